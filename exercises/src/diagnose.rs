//! Notes that name the classic async traps, for a run that fell into one.
//!
//! Each trap is recognised from what the run shows (lines earlier or later
//! than expected, a line never printed, real time taken on the paused
//! clock, where the tasks of a hung run wait) and, where the run alone could
//! mean several things, from the learner's file: the note quotes the line it
//! looked at. A wrong note is worse than none, so each one needs both kinds
//! of evidence to agree, and none is given otherwise.

use std::time::Duration;

use exercises::{BLOCKING_LIMIT, format_time};

/// The exercises that fall into a trap as shipped, so a learner meets the
/// note in practice; `verify` checks that each names its trap, and that no
/// other shipped exercise names one.
pub const SHIPPED_TRAPS: &[(&str, Trap)] = &[
    ("no_blocking", Trap::Blocking),
    ("worker_pool", Trap::LockAcrossAwait),
    ("deadline_loop", Trap::SelectRemade),
    ("ordered_log", Trap::GuardDropped),
    ("kv_shutdown", Trap::SenderKept),
    ("deadlock", Trap::LockOrder),
];

/// How a run ended, as far as the notes care.
#[derive(Clone, Copy)]
pub enum Ended {
    /// It returned, after `wall_ms` of real time.
    Finished { wall_ms: u64 },
    /// It was still running at the virtual-time limit.
    VirtualTimeout,
    /// It panicked, was killed or exited on its own.
    Other,
}

/// What one run showed.
#[derive(Clone, Copy)]
pub struct Seen<'a> {
    pub expected: &'a [(u64, String)],
    pub printed: &'a [(u64, String)],
    pub ended: Ended,
    /// Where each task waited, for a hung run (the harness's sentences).
    pub waits: &'a [String],
    /// The learner's file, when it could be read.
    pub source: Option<&'a str>,
}

/// The traps the notes name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trap {
    GuardDropped,
    Blocking,
    SenderKept,
    SelectRemade,
    LockAcrossAwait,
    LockOrder,
}

impl Trap {
    pub const ALL: [Trap; 6] = [
        Trap::GuardDropped,
        Trap::Blocking,
        Trap::SenderKept,
        Trap::SelectRemade,
        Trap::LockAcrossAwait,
        Trap::LockOrder,
    ];

    /// The note's first words, which name the trap.
    pub fn title(self) -> &'static str {
        match self {
            Trap::GuardDropped => "A guard dropped at once",
            Trap::Blocking => "A blocking call in async code",
            Trap::SenderKept => "A sender never dropped",
            Trap::SelectRemade => "A future made anew on every turn",
            Trap::LockAcrossAwait => "A lock held across `.await`",
            Trap::LockOrder => "Locks taken in different orders",
        }
    }
}

/// One note: the trap, and what to read, ready to print.
pub struct Diagnosis {
    pub trap: Trap,
    pub text: String,
}

/// The notes for `seen`: none unless a trap's evidence is specific.
pub fn diagnose(seen: &Seen<'_>) -> Vec<Diagnosis> {
    let source = seen.source.map(Source::new);
    let timing = Timing::new(seen.expected, seen.printed);
    let mut notes = Vec::new();
    if let Some(source) = &source {
        notes.extend(guard_dropped(&timing, source));
        notes.extend(blocking(seen, &timing, source));
        notes.extend(select_remade(seen, &timing, source));
        notes.extend(lock_across_await(&timing, source));
        notes.extend(lock_order(seen, source));
    }
    notes.extend(sender_kept(seen));
    notes
}

/// The learner's file without comments, line by line, with the brace depth
/// at the start of each line.
struct Source {
    /// (line number, code without its `//` comment, depth at its start)
    lines: Vec<(usize, String, i32)>,
}

impl Source {
    fn new(text: &str) -> Source {
        let mut depth = 0;
        let mut lines = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let code = strip_comment(line).to_owned();
            lines.push((index + 1, code.clone(), depth));
            for c in code.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
            }
        }
        Source { lines }
    }

    /// The lines after `index` up to the end of the block that line
    /// `index` is in (its depth), stopping early at `stop`.
    fn rest_of_block(&self, index: usize) -> impl Iterator<Item = &(usize, String, i32)> {
        let depth = self.lines[index].2;
        self.lines[index + 1..]
            .iter()
            .take_while(move |(_, _, d)| *d >= depth)
    }
}

/// `line` up to a `//` that is not inside a string literal.
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut previous = ' ';
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

/// Each expected line that was printed, with both its times, and the
/// expected lines never printed.
struct Timing<'a> {
    /// (text, expected at, printed at)
    matched: Vec<(&'a str, u64, u64)>,
    missing: Vec<(&'a str, u64)>,
    last_printed: Option<u64>,
}

impl<'a> Timing<'a> {
    /// Pairs the n-th expected occurrence of a text with its n-th printed
    /// occurrence.
    fn new(expected: &'a [(u64, String)], printed: &'a [(u64, String)]) -> Timing<'a> {
        let mut used = vec![false; printed.len()];
        let mut matched = Vec::new();
        let mut missing = Vec::new();
        for (want, text) in expected {
            let found = printed
                .iter()
                .enumerate()
                .position(|(index, (_, other))| !used[index] && other == text);
            match found {
                Some(index) => {
                    used[index] = true;
                    matched.push((text.as_str(), *want, printed[index].0));
                }
                None => missing.push((text.as_str(), *want)),
            }
        }
        Timing {
            matched,
            missing,
            last_printed: printed.last().map(|(at, _)| *at),
        }
    }

    fn first_early(&self) -> Option<&(&'a str, u64, u64)> {
        self.matched.iter().find(|(_, want, got)| got < want)
    }

    fn first_late(&self) -> Option<&(&'a str, u64, u64)> {
        self.matched.iter().find(|(_, want, got)| got > want)
    }
}

fn quote((text, want, got): &(&str, u64, u64)) -> String {
    format!(
        "\"{text}\" came at {}, expected at {}",
        format_time(*got),
        format_time(*want)
    )
}

/// (i) `let _ = permits.acquire().await` drops the permit at once, so the
/// work it should hold back starts early.
fn guard_dropped(timing: &Timing<'_>, source: &Source) -> Option<Diagnosis> {
    let early = timing.first_early()?;
    let (number, code, _) = source.lines.iter().find(|(_, code, _)| {
        let code = code.trim_start();
        code.starts_with("let _ =")
            && [".acquire", ".lock()", ".read()", ".write()"]
                .iter()
                .any(|call| code.contains(call))
    })?;
    Some(Diagnosis {
        trap: Trap::GuardDropped,
        text: format!(
            "Line {number} of your file, `{}`, drops what it gets at once: `let _ = ..` binds \
             nothing, so the permit or lock guard goes back before the next line runs, and \
             nothing is held back ({}). Give it a name that lives as long as the work it \
             guards: `let _permit = ..` or `let guard = ..`.",
            code.trim(),
            quote(early)
        ),
    })
}

/// (ii) A run that took real time on the paused clock, in a file that
/// calls a blocking function from async code.
fn blocking(seen: &Seen<'_>, timing: &Timing<'_>, source: &Source) -> Option<Diagnosis> {
    let Ended::Finished { wall_ms } = seen.ended else {
        return None;
    };
    // Real time on the paused clock is blocked time: more than the limit,
    // or about as much as a line came early by (the clock stood still
    // while the thread slept, so what follows came too soon).
    let early_by = timing.first_early().map_or(0, |(_, want, got)| want - got);
    let stood_still = wall_ms >= 500 && wall_ms.saturating_mul(5) >= early_by.saturating_mul(4);
    if Duration::from_millis(wall_ms) <= BLOCKING_LIMIT && !stood_still {
        return None;
    }
    // Blocking work handed to a blocking thread is the cure, not the trap:
    // with it in the file, the line alone says nothing.
    if source
        .lines
        .iter()
        .any(|(_, code, _)| code.contains("spawn_blocking") || code.contains("block_in_place"))
    {
        return None;
    }
    let (number, code, _) = source
        .lines
        .iter()
        .find(|(_, code, _)| code.contains("thread::sleep("))?;
    Some(Diagnosis {
        trap: Trap::Blocking,
        text: format!(
            "Line {number} of your file, `{}`, blocks the thread: `std::thread::sleep` does not \
             give the thread back to the runtime, so no other task runs meanwhile and the run \
             took {:.1}s of real time on a clock that is paused. In async code wait with \
             `tokio::time::sleep(..).await`; work that must block belongs in \
             `tokio::task::spawn_blocking`.",
            code.trim(),
            wall_ms as f64 / 1000.0
        ),
    })
}

/// The leaf a task waits in, from one of the harness's sentences:
/// `Mutex::lock` in "... waits at x.rs:5 in `Mutex::lock`: ...".
fn leaf(wait: &str) -> &str {
    wait.split_once(" in `")
        .map_or("", |(_, rest)| rest.split('`').next().unwrap_or(""))
}

/// Whether a task of a hung run waits on a timer (a sleep, a tick, a
/// timeout), and so may yet do what the others wait for.
fn some_task_may_go_on(waits: &[String]) -> bool {
    waits
        .iter()
        .map(|wait| leaf(wait))
        .any(|leaf| leaf.contains("sleep") || leaf.contains("Interval") || leaf.contains("imeout"))
}

/// The name `code` binds, for a line `let [mut] name ...`.
fn bound_name(code: &str) -> Option<&str> {
    code.trim_start()
        .strip_prefix("let ")
        .map(|rest| rest.trim_start_matches("mut "))
        .and_then(|rest| rest.split([' ', ':', '=']).next())
        .filter(|name| !name.is_empty())
}

/// The lines after line `index` of its block for as long as the value
/// bound there as `name` lives: up to the end of the block, or a
/// `drop(name)`.
fn while_held<'s>(
    source: &'s Source,
    index: usize,
    name: &str,
) -> impl Iterator<Item = &'s (usize, String, i32)> {
    let dropped = format!("drop({name})");
    source
        .rest_of_block(index)
        .take_while(move |(_, code, _)| !code.contains(&dropped))
}

/// (iii) A hung run in which a task waits in `recv` on a channel that no
/// one sends on and that does not close.
fn sender_kept(seen: &Seen<'_>) -> Option<Diagnosis> {
    if !matches!(seen.ended, Ended::VirtualTimeout) {
        return None;
    }
    let receiving = seen.waits.iter().find(|wait| {
        wait.contains("in `mpsc::Receiver::recv`")
            || wait.contains("in `mpsc::UnboundedReceiver::recv`")
    })?;
    // A sender stuck on a full channel is another story (nothing receives),
    // and a task still sleeping or ticking may yet send: the run is not
    // stuck on the channel alone.
    let sending = seen
        .waits
        .iter()
        .any(|wait| leaf(wait).contains("mpsc::Sender::send"));
    if sending || some_task_may_go_on(seen.waits) {
        return None;
    }
    let who = receiving.split(" waits").next().unwrap_or(receiving);
    let mut letters = who.chars();
    let who: String = letters
        .next()
        .map(|first| first.to_uppercase().chain(letters).collect())
        .unwrap_or_default();
    Some(Diagnosis {
        trap: Trap::SenderKept,
        text: format!(
            "{who} waits in `recv` for a message that never comes, and the channel does not \
             close: `recv` returns `None` only once every `Sender` of it is dropped, and one is \
             still alive. The usual one is the sender `run` keeps after handing a clone to each \
             producer, or one held by a task that is itself waiting (see below). Drop it \
             (`drop(sender)`) as soon as it is handed out, or move it into the task that uses \
             it; a sender that must stay open (more could come) calls for another way out of \
             the wait instead, such as a shutdown signal in a `select!`."
        ),
    })
}

/// (iv) A `sleep` (or `timeout`) made inside a `select!` inside a loop is
/// made anew on every turn, so while another branch keeps winning it never
/// fires: an expected line is missing and the program went on past it.
fn select_remade(seen: &Seen<'_>, timing: &Timing<'_>, source: &Source) -> Option<Diagnosis> {
    let &(text, want) = timing.missing.first()?;
    let went_on = matches!(seen.ended, Ended::VirtualTimeout)
        || timing.last_printed.is_some_and(|last| last > want);
    if !went_on {
        return None;
    }
    let mut found = None;
    for (index, (_, code, _)) in source.lines.iter().enumerate() {
        if !code.contains("select!") || !inside_loop(source, index) {
            continue;
        }
        let select_depth = source.lines[index].2;
        // `sleep_until(deadline)` made anew waits for the same instant each
        // turn: not this trap.
        let branch = source.lines[index + 1..]
            .iter()
            .take_while(|(_, _, depth)| *depth > select_depth)
            .find(|(_, code, _)| {
                ["= sleep(", "::sleep(", "= timeout("]
                    .iter()
                    .any(|call| code.contains(call))
                    && code.contains("=>")
            });
        if let Some(branch) = branch {
            found = Some(branch);
            break;
        }
    }
    let (number, code, _) = found?;
    // Made anew on every turn, the wait can miss `want` only if it is no
    // longer than `want` and the loop turned (printed a line) within its
    // length before `want`. A wait the file does not give a length for
    // gets no note.
    let wait = duration_ms(code, source)?;
    let turned = seen
        .printed
        .iter()
        .any(|(at, _)| *at <= want && at + wait > want);
    if wait > want || !turned {
        return None;
    }
    Some(Diagnosis {
        trap: Trap::SelectRemade,
        text: format!(
            "Line {number} of your file, `{}`, makes its future inside a `select!` in a loop, \
             so every turn of the loop drops it and starts a new one: while another branch \
             keeps winning, it never completes (\"{text}\" was expected at {} and never came). \
             Make it once, before the loop (`let deadline = sleep(..);` then \
             `tokio::pin!(deadline);`), and select on `&mut deadline`.",
            code.trim(),
            format_time(want)
        ),
    })
}

/// The length of the wait a `sleep(..)` or `timeout(..)` line asks for, in
/// milliseconds: a literal `Duration::from_secs(n)` or `from_millis(n)`, or
/// a `const` of the file set to one. `None` when it can't tell.
fn duration_ms(code: &str, source: &Source) -> Option<u64> {
    let literal = |code: &str| {
        for (call, scale) in [("from_secs(", 1000), ("from_millis(", 1)] {
            if let Some((_, rest)) = code.split_once(call) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let rest = &rest[digits.len()..];
                if rest.starts_with(')') {
                    return digits.parse::<u64>().ok()?.checked_mul(scale);
                }
            }
        }
        None
    };
    if let Some(ms) = literal(code) {
        return Some(ms);
    }
    // `sleep(NAME)` or `timeout(NAME, ..)`.
    let (_, rest) = code
        .split_once("sleep(")
        .or_else(|| code.split_once("timeout("))?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if name.is_empty() {
        return None;
    }
    let definition = format!("const {name}: Duration =");
    source
        .lines
        .iter()
        .find(|(_, line, _)| line.contains(&definition))
        .and_then(|(_, line, _)| literal(line))
}

/// Whether line `index` is inside the body of a `loop` or `while`.
fn inside_loop(source: &Source, index: usize) -> bool {
    let mut limit = source.lines[index].2;
    for (_, code, line_depth) in source.lines[..index].iter().rev() {
        // Only blocks that enclose the line count: each one starts at a
        // line shallower than any seen since.
        if *line_depth < limit {
            limit = *line_depth;
            let code = code.trim_start();
            if code.starts_with("loop") || code.starts_with("while ") {
                return true;
            }
        }
    }
    false
}

/// (v) A lock guard still alive at a later `.await`: every other task that
/// wants the lock waits for that too, so lines come late.
fn lock_across_await(timing: &Timing<'_>, source: &Source) -> Option<Diagnosis> {
    let late = timing.first_late()?;
    for (index, (number, code, _)) in source.lines.iter().enumerate() {
        let trimmed = code.trim_start();
        let takes_lock = [".lock().await", ".write().await", ".lock().unwrap()"]
            .iter()
            .any(|call| code.contains(call));
        if !takes_lock {
            continue;
        }
        // `while let Some(job) = queue.lock().await.recv().await { .. }`:
        // the guard, a temporary of the condition, lives through the body.
        if trimmed.starts_with("while let") && code.trim_end().ends_with('{') {
            let awaits = source
                .rest_of_block(index)
                .find(|(_, code, depth)| *depth > source.lines[index].2 && code.contains(".await"));
            if let Some((at, _, _)) = awaits {
                return Some(lock_note(*number, code, *at, late));
            }
            continue;
        }
        // `_guard` is held on purpose, for its scope: a critical section
        // around awaits, as `ordered_log` wants.
        let Some(name) = bound_name(code).filter(|name| !name.starts_with('_')) else {
            continue;
        };
        // The guard is what was bound only if the line ends with the lock.
        let ends_with_lock = [".lock().await;", ".write().await;", ".lock().unwrap();"]
            .iter()
            .any(|end| code.trim_end().ends_with(end));
        if !ends_with_lock {
            continue;
        }
        let used = format!("{name}.");
        for (at, later, _) in while_held(source, index, name) {
            // Awaiting what the lock guards (`receiver.recv().await`) is
            // what the lock is for.
            if later.contains(".await") && !later.contains(&used) {
                return Some(lock_note(*number, code, *at, late));
            }
        }
    }
    None
}

/// (vi) A hung run in which two or more tasks wait for locks and none
/// sleeps, in a file that takes a second lock while it holds a first: tasks
/// that take the same locks in different orders each hold what another
/// waits for.
fn lock_order(seen: &Seen<'_>, source: &Source) -> Option<Diagnosis> {
    if !matches!(seen.ended, Ended::VirtualTimeout) {
        return None;
    }
    const LOCKS: [&str; 3] = ["Mutex::lock", "RwLock::read", "RwLock::write"];
    let waiting_for_locks = seen
        .waits
        .iter()
        .filter(|wait| LOCKS.iter().any(|lock| leaf(wait).starts_with(lock)))
        .count();
    // A task that sleeps or ticks may yet let its lock go.
    if waiting_for_locks < 2 || some_task_may_go_on(seen.waits) {
        return None;
    }
    const TAKES: [&str; 3] = [".lock().await", ".read().await", ".write().await"];
    for (index, (number, code, _)) in source.lines.iter().enumerate() {
        let Some(name) = bound_name(code).filter(|name| *name != "_") else {
            continue;
        };
        if !TAKES
            .iter()
            .any(|take| code.trim_end().ends_with(&format!("{take};")))
        {
            continue;
        }
        for (at, later, _) in while_held(source, index, name) {
            if TAKES.iter().any(|take| later.contains(take)) {
                return Some(Diagnosis {
                    trap: Trap::LockOrder,
                    text: format!(
                        "Line {number} of your file, `{}`, takes a lock, and line {at}, `{}`, \
                         takes another while the first is still held; {waiting_for_locks} \
                         tasks are stuck waiting for locks. Tasks that take the same locks in \
                         different orders can each end up holding the lock another waits for, \
                         and then none of them can go on: a deadlock. Take the locks in one \
                         order everywhere (by a key the locked things have, such as an id), or \
                         let the first go before taking the second.",
                        code.trim(),
                        later.trim()
                    ),
                });
            }
        }
    }
    None
}

fn lock_note(number: usize, code: &str, at: usize, late: &(&str, u64, u64)) -> Diagnosis {
    Diagnosis {
        trap: Trap::LockAcrossAwait,
        text: format!(
            "Line {number} of your file, `{}`, takes a lock, and line {at} awaits while it is \
             still held, so every other task that wants the lock waits for that as well and \
             the work runs one at a time ({}). Let the guard go before you await: take what you \
             need in a statement of its own, end the guard's block, or `drop(guard)`.",
            code.trim(),
            quote(late)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(lines: &[(u64, &str)]) -> Vec<(u64, String)> {
        lines
            .iter()
            .map(|&(at, text)| (at, text.to_owned()))
            .collect()
    }

    fn traps(seen: &Seen<'_>) -> Vec<Trap> {
        diagnose(seen).into_iter().map(|note| note.trap).collect()
    }

    const UPLOADS: &str = "
pub async fn run() {
    for id in 1..=3 {
        let permits = Arc::clone(&permits);
        tokio::spawn(async move {
            let _ = permits.acquire().await;
            upload(id).await;
        });
    }
}";

    #[test]
    fn a_guard_dropped_at_once_is_named_when_lines_come_early() {
        let expected = lines(&[(0, "1 started"), (1000, "2 started")]);
        let early = lines(&[(0, "1 started"), (0, "2 started")]);
        let seen = Seen {
            expected: &expected,
            printed: &early,
            ended: Ended::Finished { wall_ms: 5 },
            waits: &[],
            source: Some(UPLOADS),
        };
        let notes = diagnose(&seen);
        assert_eq!(traps(&seen), [Trap::GuardDropped]);
        assert!(notes[0].text.contains("Line 6"), "{}", notes[0].text);
        assert!(
            notes[0]
                .text
                .contains("\"2 started\" came at 0.0s, expected at 1.0s")
        );
        // Lines that come late, or a file that keeps its permit: no note.
        let late = lines(&[(0, "1 started"), (2000, "2 started")]);
        assert!(
            traps(&Seen {
                printed: &late,
                ..seen
            })
            .is_empty()
        );
        let kept = UPLOADS.replace("let _ =", "let _permit =");
        assert!(
            traps(&Seen {
                source: Some(&kept),
                ..seen
            })
            .is_empty()
        );
        // A comment that shows the trap is not code.
        let commented = UPLOADS.replace("let _ =", "// let _ =");
        assert!(
            traps(&Seen {
                source: Some(&commented),
                ..seen
            })
            .is_empty()
        );
    }

    #[test]
    fn a_blocking_sleep_is_named_when_the_run_took_real_time() {
        let source = "async fn work() {\n    std::thread::sleep(Duration::from_secs(3));\n}";
        let expected = lines(&[(0, "a")]);
        let seen = Seen {
            expected: &expected,
            printed: &expected,
            ended: Ended::Finished { wall_ms: 3100 },
            waits: &[],
            source: Some(source),
        };
        let notes = diagnose(&seen);
        assert_eq!(traps(&seen), [Trap::Blocking]);
        assert!(notes[0].text.contains("Line 2"), "{}", notes[0].text);
        // The clock stood still while the thread slept: a line came as
        // early as the run took real time.
        let expected_late = lines(&[(1200, "a")]);
        let early = lines(&[(0, "a")]);
        let stood_still = Seen {
            expected: &expected_late,
            printed: &early,
            ended: Ended::Finished { wall_ms: 1201 },
            ..seen
        };
        assert_eq!(traps(&stood_still), [Trap::Blocking]);
        let quick = Seen {
            ended: Ended::Finished { wall_ms: 30 },
            ..stood_still
        };
        assert!(traps(&quick).is_empty());
        let quick = Seen {
            ended: Ended::Finished { wall_ms: 30 },
            ..seen
        };
        assert!(traps(&quick).is_empty());
        let handed_off = format!("{source}\nspawn_blocking(work);");
        assert!(
            traps(&Seen {
                source: Some(&handed_off),
                ..seen
            })
            .is_empty()
        );
    }

    #[test]
    fn a_kept_sender_is_named_from_the_task_dump() {
        let waits = [
            "the main task waits at x.rs:9 in `JoinHandle`: it waits for that task to end"
                .to_owned(),
            "the task spawned at x.rs:4 waits at x.rs:5 in `mpsc::Receiver::recv`: a channel \
             ends when its last sender is dropped"
                .to_owned(),
        ];
        let seen = Seen {
            expected: &[],
            printed: &[],
            ended: Ended::VirtualTimeout,
            waits: &waits,
            source: None,
        };
        let notes = diagnose(&seen);
        assert_eq!(traps(&seen), [Trap::SenderKept]);
        assert!(
            notes[0]
                .text
                .starts_with("The task spawned at x.rs:4 waits in `recv`"),
            "{}",
            notes[0].text
        );
        // A sender stuck on a full channel: not this trap.
        let full = [
            waits[1].clone(),
            "the main task waits at x.rs:7 in `mpsc::Sender::send`: ..".to_owned(),
        ];
        assert!(
            traps(&Seen {
                waits: &full,
                ..seen
            })
            .is_empty()
        );
        // A task that sleeps may still send.
        let sleeping = [
            waits[1].clone(),
            "the task spawned at x.rs:2 waits at x.rs:3 in `sleep`".to_owned(),
        ];
        assert!(
            traps(&Seen {
                waits: &sleeping,
                ..seen
            })
            .is_empty()
        );
        // A run that finished: no dump, no note.
        assert!(
            traps(&Seen {
                ended: Ended::Other,
                ..seen
            })
            .is_empty()
        );
    }

    const COLLECT: &str = "
pub async fn run() {
    loop {
        tokio::select! {
            Some(reading) = readings.recv() => println!(\"{reading}\"),
            () = sleep(Duration::from_secs(2)) => {
                println!(\"deadline\");
                break;
            }
        }
    }
}";

    #[test]
    fn a_sleep_made_anew_in_a_select_loop_is_named_when_its_line_never_comes() {
        let expected = lines(&[(1000, "1"), (2000, "deadline")]);
        let went_on = lines(&[(1000, "1"), (2000, "2"), (3000, "3")]);
        let seen = Seen {
            expected: &expected,
            printed: &went_on,
            ended: Ended::Finished { wall_ms: 5 },
            waits: &[],
            source: Some(COLLECT),
        };
        let notes = diagnose(&seen);
        assert_eq!(traps(&seen), [Trap::SelectRemade]);
        assert!(notes[0].text.contains("Line 6"), "{}", notes[0].text);
        // It stopped before the deadline: something else is wrong.
        let stopped = lines(&[(1000, "1")]);
        assert!(
            traps(&Seen {
                printed: &stopped,
                ..seen
            })
            .is_empty()
        );
        // The sleep is made once, before the loop.
        let pinned = COLLECT.replace("sleep(Duration::from_secs(2))", "&mut deadline");
        assert!(
            traps(&Seen {
                source: Some(&pinned),
                ..seen
            })
            .is_empty()
        );
        // A wait it can't measure, one longer than the line's time, or no
        // turn of the loop within its length: no note.
        let unknown = COLLECT.replace("Duration::from_secs(2)", "limit");
        assert!(
            traps(&Seen {
                source: Some(&unknown),
                ..seen
            })
            .is_empty()
        );
        let idle = COLLECT.replace(
            "sleep(Duration::from_secs(2))",
            "timeout(IDLE, lines.next())",
        ) + "\nconst IDLE: Duration = Duration::from_millis(2500);";
        assert!(
            traps(&Seen {
                source: Some(&idle),
                ..seen
            })
            .is_empty()
        );
        let idle = idle.replace("from_millis(2500)", "from_millis(1500)");
        assert_eq!(
            traps(&Seen {
                source: Some(&idle),
                ..seen
            }),
            [Trap::SelectRemade]
        );
        let quiet = lines(&[(0, "1"), (3000, "2")]);
        assert!(
            traps(&Seen {
                printed: &quiet,
                ..seen
            })
            .is_empty()
        );
        // A fixed instant, waited for anew each turn, is no trap.
        let until = COLLECT.replace("sleep(Duration::from_secs(2))", "sleep_until(deadline)");
        assert!(
            traps(&Seen {
                source: Some(&until),
                ..seen
            })
            .is_empty()
        );
        // A select that is not in a loop runs once.
        let once = COLLECT.replace("    loop {", "    {");
        assert!(
            traps(&Seen {
                source: Some(&once),
                ..seen
            })
            .is_empty()
        );
    }

    const WORKERS: &str = "
async fn worker(log: Arc<Mutex<Vec<u32>>>, id: u32) {
    let mut entries = log.lock().await;
    sleep(Duration::from_secs(1)).await;
    entries.push(id);
}";

    #[test]
    fn a_lock_held_across_await_is_named_when_lines_come_late() {
        let expected = lines(&[(1000, "1 done"), (1000, "2 done")]);
        let late = lines(&[(1000, "1 done"), (2000, "2 done")]);
        let seen = Seen {
            expected: &expected,
            printed: &late,
            ended: Ended::Finished { wall_ms: 5 },
            waits: &[],
            source: Some(WORKERS),
        };
        let notes = diagnose(&seen);
        assert_eq!(traps(&seen), [Trap::LockAcrossAwait]);
        assert!(notes[0].text.contains("Line 3"), "{}", notes[0].text);
        assert!(notes[0].text.contains("line 4"), "{}", notes[0].text);
        let released = WORKERS.replace(
            "    sleep(Duration",
            "    drop(entries);\n    sleep(Duration",
        );
        assert!(
            traps(&Seen {
                source: Some(&released),
                ..seen
            })
            .is_empty()
        );
        let scoped = "
async fn worker(log: Arc<Mutex<Vec<u32>>>, id: u32) {
    {
        let mut entries = log.lock().await;
        entries.push(id);
    }
    sleep(Duration::from_secs(1)).await;
}";
        assert!(
            traps(&Seen {
                source: Some(scoped),
                ..seen
            })
            .is_empty()
        );
        // A guard named to be held, or awaited on itself: on purpose.
        let held = WORKERS.replace("entries", "_entries");
        assert!(
            traps(&Seen {
                source: Some(&held),
                ..seen
            })
            .is_empty()
        );
        let awaited = WORKERS.replace(
            "    sleep(Duration::from_secs(1)).await;",
            "    entries.flush().await;",
        );
        assert!(
            traps(&Seen {
                source: Some(&awaited),
                ..seen
            })
            .is_empty()
        );
        // The guard of a `while let` condition lives through the body.
        let queue = "
async fn worker(queue: Arc<Mutex<Receiver<u32>>>) {
    while let Some(job) = queue.lock().await.recv().await {
        sleep(Duration::from_secs(job)).await;
    }
}";
        assert_eq!(
            traps(&Seen {
                source: Some(queue),
                ..seen
            }),
            [Trap::LockAcrossAwait]
        );
        // On time: no note, whatever the file holds.
        assert!(
            traps(&Seen {
                printed: &expected,
                ..seen
            })
            .is_empty()
        );
    }

    const TRANSFER: &str = "
async fn transfer(from: Arc<Account>, to: Arc<Account>) {
    let mut source = from.balance.lock().await;
    sleep(Duration::from_millis(100)).await;
    let mut destination = to.balance.lock().await;
    *source -= 1;
    *destination += 1;
}";

    #[test]
    fn locks_taken_in_different_orders_are_named_from_the_task_dump() {
        let stuck = |line| {
            format!(
                "the task spawned at x.rs:9 waits at x.rs:{line} in `Mutex::lock`: the lock is \
                 held, by another task or by a future of this one that nothing polls any more (a \
                 futurelock), and never let go"
            )
        };
        let waits = [
            "the main task waits where a task dump can't see".to_owned(),
            stuck(5),
            stuck(5),
        ];
        let seen = Seen {
            expected: &[],
            printed: &[],
            ended: Ended::VirtualTimeout,
            waits: &waits,
            source: Some(TRANSFER),
        };
        let notes = diagnose(&seen);
        assert_eq!(traps(&seen), [Trap::LockOrder]);
        assert!(notes[0].text.contains("Line 3"), "{}", notes[0].text);
        assert!(notes[0].text.contains("line 5"), "{}", notes[0].text);
        // One lock at a time: the file does not deadlock this way.
        let one_at_a_time = TRANSFER.replace(
            "    let mut destination",
            "    drop(source);\n    let mut destination",
        );
        assert!(
            traps(&Seen {
                source: Some(&one_at_a_time),
                ..seen
            })
            .is_empty()
        );
        // One task waiting for a lock is not two holding each other's.
        assert!(
            traps(&Seen {
                waits: &waits[..2],
                ..seen
            })
            .is_empty()
        );
        // A task that sleeps may yet let its lock go.
        let sleeping = [
            stuck(5),
            stuck(5),
            "the task spawned at x.rs:2 waits at x.rs:3 in `sleep`".to_owned(),
        ];
        assert!(
            traps(&Seen {
                waits: &sleeping,
                ..seen
            })
            .is_empty()
        );
        // A run that finished: no dump, no note.
        assert!(
            traps(&Seen {
                ended: Ended::Finished { wall_ms: 5 },
                ..seen
            })
            .is_empty()
        );
    }
}
