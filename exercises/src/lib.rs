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
        // `path` takes only a literal: the directories are written here once.
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
            #[path = $file]
            #[allow(
                clippy::while_let_loop,
                dead_code,
                unused_imports,
                unused_variables,
                unused_mut,
                unreachable_code
            )]
            pub mod $name;
        }

        fn main() -> ::std::process::ExitCode {
            $crate::harness::main(stringify!($name), $file, || {
                ::std::boxed::Box::pin(exercise::$name::run())
            })
        }
    };
}

/// One line the harness reports to the checker on its real stdout.
#[derive(Debug, PartialEq, Eq)]
pub enum Record {
    /// A line the exercise printed, at a virtual time in milliseconds.
    Line { at_ms: u64, text: String },
    /// The exercise returned after `wall_ms` of real time.
    Finished { wall_ms: u64 },
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
            Record::Line { at_ms, text } => write!(f, "line {at_ms} {text}"),
            Record::Finished { wall_ms } => write!(f, "finished {wall_ms}"),
            Record::Waits { text } => write!(f, "waits {text}"),
            Record::VirtualTimeout => f.write_str("virtual-timeout"),
            Record::Panicked => f.write_str("panicked"),
        }
    }
}

impl Record {
    pub fn parse(line: &str) -> Option<Record> {
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        Some(match kind {
            "line" => {
                let (at, text) = rest.split_once(' ')?;
                Record::Line {
                    at_ms: at.parse().ok()?,
                    text: text.to_owned(),
                }
            }
            "finished" => Record::Finished {
                wall_ms: rest.parse().ok()?,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let lines = [
            "line 1500 a b  c",
            "line 0 ",
            "finished 3",
            "waits the main task waits",
            "virtual-timeout",
            "panicked",
        ];
        for line in lines {
            assert_eq!(
                Record::parse(line)
                    .map(|record| record.to_string())
                    .as_deref(),
                Some(line)
            );
        }
        assert_eq!(Record::parse("nonsense"), None);
    }
}
