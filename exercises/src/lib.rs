//! What a learner's exercise runs in: a binary of its own, on Tokio's paused
//! clock.
//!
//! What each exercise's binary links: [`exercise!`] and the [`harness`] that
//! runs it on Tokio's paused clock and reports every line it prints, with the
//! virtual time it was printed at, to the checker (`src/main.rs`).

use std::fmt;
use std::time::Duration;

pub mod harness;

/// How long an exercise may run on the paused clock.
pub const VIRTUAL_LIMIT: Duration = Duration::from_secs(60);

/// An exercise's binary, `src/bin/<name>.rs`: the exercise's file as a module,
/// and a `main` that runs it in the [`harness`]. The file is the learner's
/// (feature `track`), the copy as shipped (`shipped`, written by `verify`) or
/// the reference solution (`solutions`). Only the checker turns these on, so
/// no other build compiles a learner's file; and each exercise is a crate of
/// its own, so one that does not compile stops no other.
#[macro_export]
macro_rules! exercise {
    ($name:ident = $file:literal) => {
        // `path` takes only a literal: the directories are written here once,
        // and again for `CODE` below.
        #[cfg_attr(
            not(any(feature = "shipped", feature = "solutions")),
            path = "../exercises"
        )]
        #[cfg_attr(
            all(feature = "shipped", not(feature = "solutions")),
            path = "../../.shipped"
        )]
        #[cfg_attr(feature = "solutions", path = "../../.solutions")]
        mod exercise {
            // Unfinished on purpose: `todo!()`s, values left for the learner.
            // The checker builds through clippy: a learner's file is told of
            // its suspicious code (a future dropped by `let _ =`), not of its
            // style, and code clippy thinks wrong still runs. A solution is
            // finished, and is held to the workspace's lints.
            #[path = $file]
            #[cfg_attr(
                not(any(feature = "shipped", feature = "solutions")),
                allow(clippy::style, clippy::complexity, clippy::perf),
                warn(clippy::correctness)
            )]
            #[cfg_attr(
                not(feature = "solutions"),
                allow(
                    clippy::while_let_loop,
                    dead_code,
                    unused_imports,
                    unused_variables,
                    unused_mut,
                    unreachable_code
                )
            )]
            pub mod $name;
        }

        #[cfg(not(any(feature = "shipped", feature = "solutions")))]
        $crate::exercise!(@code "/src/bin/../exercises/", $file);
        #[cfg(all(feature = "shipped", not(feature = "solutions")))]
        $crate::exercise!(@code "/src/bin/../../.shipped/", $file);
        #[cfg(feature = "solutions")]
        $crate::exercise!(@code "/src/bin/../../.solutions/", $file);

        fn main() -> ::std::process::ExitCode {
            $crate::harness::main(stringify!($name), CODE, || {
                ::std::boxed::Box::pin(exercise::$name::run())
            })
        }
    };
    (@code $dir:literal, $file:literal) => {
        /// The exercise's file, by a path that ends with the one the compiler
        /// names it by, and its text: where its tasks were spawned.
        const CODE: $crate::harness::Code = $crate::harness::Code {
            path: ::std::concat!(::std::env!("CARGO_MANIFEST_DIR"), $dir, $file),
            source: ::std::include_str!(::std::concat!(
                ::std::env!("CARGO_MANIFEST_DIR"),
                $dir,
                $file
            )),
        };
    };
}

/// The variable that names the file where a self-test (`src/selftest.rs`)
/// writes the id of each process it starts, a line each, for `verify` to
/// see what became of it.
pub const SELFTEST_PIDS: &str = "EXERCISE_SELFTEST_PIDS";

/// Starts each of the harness's records in the stream the exercise prints
/// to: ASCII's record separator, which no line a learner prints holds.
pub const MARK: char = '\u{1e}';

/// The most lines of an exercise's output the checker keeps: what a run
/// prints beyond them is counted, not kept.
pub const MAX_LINES: usize = 1_000;
/// The most bytes of each of a run's streams the checker reads: a run that
/// writes more is stopped. More than [`MAX_LINES`] lines of an exercise and
/// a record for each millisecond of [`VIRTUAL_LIMIT`] (about 0.5 MiB) take.
pub const MAX_BYTES: usize = 1 << 20;

/// One record the harness writes, after [`MARK`] and before a newline, into
/// the stream the exercise prints to, between the exercise's own lines.
#[derive(Debug, PartialEq, Eq)]
pub enum Record {
    /// The virtual time, in milliseconds, from here on: the lines that
    /// follow were printed at it.
    At { ms: u64 },
    /// A task was still running when the exercise returned, spawned at
    /// `place` (`file:line: code`); these come before [`Record::Finished`].
    LeftRunning { place: String },
    /// A task was spawned at `line` of the exercise's file (once for each
    /// such line); these come before the last record.
    Spawned { line: usize },
    /// The harness could not see the exercise's tasks: Tokio's task hooks
    /// exist only under `--cfg tokio_unstable`. No task is known to be left
    /// running, and no spawn line is known.
    TasksUnseen,
    /// The exercise returned, having held its thread `held_ms`: the real
    /// time it took, less what the thread waited for a CPU (its own time,
    /// see `runner::own_time`), which a busy machine does not lengthen.
    Finished { held_ms: u64 },
    /// Where one task waited when [`VIRTUAL_LIMIT`] ran out; these come
    /// before [`Record::VirtualTimeout`].
    Waits { text: String },
    /// The exercise was still running at [`VIRTUAL_LIMIT`].
    VirtualTimeout,
    /// The exercise panicked (the message is on stderr).
    Panicked,
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Record::At { ms } => write!(f, "at {ms}"),
            Record::LeftRunning { place } => write!(f, "left-running {place}"),
            Record::Spawned { line } => write!(f, "spawned {line}"),
            Record::TasksUnseen => f.write_str("tasks-unseen"),
            Record::Finished { held_ms } => write!(f, "finished {held_ms}"),
            Record::Waits { text } => write!(f, "waits {text}"),
            Record::VirtualTimeout => f.write_str("virtual-timeout"),
            Record::Panicked => f.write_str("panicked"),
        }
    }
}

impl Record {
    /// The record as the harness writes it: [`MARK`], the record, a newline.
    pub fn to_line(&self) -> String {
        format!("{MARK}{self}\n")
    }

    /// A record without its [`MARK`] and newline.
    pub fn parse(line: &str) -> Option<Record> {
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        Some(match kind {
            "at" => Record::At {
                ms: rest.parse().ok()?,
            },
            "left-running" => Record::LeftRunning {
                place: rest.to_owned(),
            },
            "spawned" => Record::Spawned {
                line: rest.parse().ok()?,
            },
            "tasks-unseen" => Record::TasksUnseen,
            "finished" => Record::Finished {
                held_ms: rest.parse().ok()?,
            },
            "waits" => Record::Waits {
                text: rest.to_owned(),
            },
            "virtual-timeout" => Record::VirtualTimeout,
            "panicked" => Record::Panicked,
            _ => return None,
        })
    }
}

/// What the checker reads from a run's stdout: the exercise's lines, each at
/// the virtual time it was printed at, and the harness's records.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// The first [`MAX_LINES`] lines, as `(virtual ms, text)`.
    pub printed: Vec<(u64, String)>,
    /// How many lines came after those.
    pub more_lines: usize,
    /// When the last line was printed, kept or not, in virtual ms.
    pub last_line_ms: Option<u64>,
    pub waits: Vec<String>,
    /// Where each task still running when the exercise returned was spawned.
    pub left_running: Vec<String>,
    /// The lines of the exercise's file at which tasks were spawned.
    pub spawned: Vec<usize>,
    pub tasks: Tasks,
    /// [`Record::Finished`], [`Record::VirtualTimeout`] or
    /// [`Record::Panicked`], if the harness lived to write one.
    pub end: Option<Record>,
}

/// Whether the harness saw the exercise's tasks (its task hooks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tasks {
    /// Seen: [`Transcript::left_running`] and [`Transcript::spawned`] are
    /// all there is.
    #[default]
    Seen,
    /// Unseen ([`Record::TasksUnseen`]): a task may have been left running
    /// or spawned without a record saying so.
    Unseen,
}

impl Transcript {
    /// Reads `stdout`. A line's time is that of the last [`Record::At`]
    /// before its newline. Text not followed by a newline is a line of its
    /// own when a record other than `At` follows it, or at the end: what a
    /// run that died printed last is kept, at the instant it died at.
    pub fn read(stdout: &str) -> Transcript {
        let mut transcript = Transcript::default();
        let mut at_ms = 0;
        let mut partial = String::new();
        let mut segments = stdout.split('\n').peekable();
        while let Some(segment) = segments.next() {
            let last = segments.peek().is_none();
            let record = segment
                .find(MARK)
                .and_then(|at| Some((at, Record::parse(&segment[at + MARK.len_utf8()..])?)));
            let Some((start, record)) = record else {
                partial.push_str(segment);
                // The end of the stream ends a line only if it holds text.
                if !last || !partial.is_empty() {
                    transcript.line(at_ms, std::mem::take(&mut partial));
                }
                continue;
            };
            partial.push_str(&segment[..start]);
            if let Record::At { ms } = record {
                at_ms = ms;
                continue;
            }
            if !partial.is_empty() {
                transcript.line(at_ms, std::mem::take(&mut partial));
            }
            match record {
                Record::Waits { text } => transcript.waits.push(text),
                Record::LeftRunning { place } => transcript.left_running.push(place),
                Record::Spawned { line } => transcript.spawned.push(line),
                Record::TasksUnseen => transcript.tasks = Tasks::Unseen,
                end => transcript.end = Some(end),
            }
        }
        transcript
    }

    fn line(&mut self, at_ms: u64, text: String) {
        self.last_line_ms = Some(at_ms);
        if self.printed.len() < MAX_LINES {
            self.printed.push((at_ms, text.replace('\r', "")));
        } else {
            self.more_lines += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(transcript: &Transcript) -> Vec<(u64, &str)> {
        transcript
            .printed
            .iter()
            .map(|(at, text)| (*at, text.as_str()))
            .collect()
    }

    #[test]
    fn each_line_is_at_the_last_instant_before_its_newline() {
        let stdout = "Hello\n\u{1e}at 1000\nWor\u{1e}at 1500\nld\n \n\n\u{1e}finished 3\n";
        let transcript = Transcript::read(stdout);
        assert_eq!(
            lines(&transcript),
            [(0, "Hello"), (1500, "World"), (1500, " "), (1500, "")]
        );
        assert_eq!(transcript.end, Some(Record::Finished { held_ms: 3 }));
    }

    /// A run that died (`abort`, `exit`, a stack overflow) wrote no last
    /// record: every line it printed is still read, at its instant.
    #[test]
    fn what_a_run_that_died_printed_is_kept() {
        let transcript = Transcript::read("Hello\n\u{1e}at 1000\nWorld\nand no newline");
        assert_eq!(
            lines(&transcript),
            [(0, "Hello"), (1000, "World"), (1000, "and no newline")]
        );
        assert_eq!(transcript.end, None);
    }

    #[test]
    fn text_without_a_newline_ends_at_a_record_and_a_stray_mark_is_text() {
        let stdout = "Hello\u{1e}waits it waits\na\u{1e}b\r\n\u{1e}virtual-timeout\n";
        let transcript = Transcript::read(stdout);
        assert_eq!(lines(&transcript), [(0, "Hello"), (0, "a\u{1e}b")]);
        assert_eq!(transcript.waits, ["it waits"]);
        assert_eq!(transcript.end, Some(Record::VirtualTimeout));
        let left = "World\n\u{1e}left-running x.rs:9: tokio::spawn(a)\n\u{1e}spawned 9\n\
                    \u{1e}finished 2\n";
        let transcript = Transcript::read(left);
        assert_eq!(transcript.left_running, ["x.rs:9: tokio::spawn(a)"]);
        assert_eq!(
            (&transcript.spawned[..], transcript.tasks),
            (&[9][..], Tasks::Seen)
        );
        assert_eq!(transcript.end, Some(Record::Finished { held_ms: 2 }));
        let unseen = Transcript::read("World\n\u{1e}tasks-unseen\n\u{1e}finished 2\n");
        assert_eq!(unseen.tasks, Tasks::Unseen);
    }

    #[test]
    fn lines_past_the_limit_are_counted_not_kept() {
        let stdout = "x\n".repeat(MAX_LINES + 7);
        let transcript = Transcript::read(&stdout);
        assert_eq!(
            (transcript.printed.len(), transcript.more_lines),
            (MAX_LINES, 7)
        );
    }
}
