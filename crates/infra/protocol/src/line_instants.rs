//! The text form of `--line-instants`: a line for each line the run wrote
//! to stdout, the instant of its example's clock at which it was written
//! (microseconds), a tab, then the line. On the real clock, where the
//! runner can read how long its threads waited for a CPU, a line
//! `held`, a tab, and how long they had waited in all since the example
//! started, comes before each group of lines stamped together, and last.

use std::time::Duration;

/// How far apart two lines' instants on the virtual clock may be and still
/// come in either order on the real clock, where a busy machine runs a
/// timer late by as much as it delays the process. Measured: see
/// CONTRIBUTING.md, "Output that holds on every run".
pub const EITHER_ORDER: Duration = Duration::from_millis(400);

/// A line the run wrote.
#[derive(Debug, PartialEq, Eq)]
pub struct Written<'a> {
    /// Its instant on the example's clock.
    pub at: Duration,
    /// How long the run's threads had waited for a CPU in all since
    /// the example started, read after the line was written; `None` where
    /// that was not counted.
    pub held_up: Option<Duration>,
    pub text: &'a str,
}

/// What a run wrote.
#[derive(Debug, PartialEq, Eq)]
pub struct Recording<'a> {
    pub lines: Vec<Written<'a>>,
    /// As [`Written::held_up`], for the time after the last line.
    pub held_up_after: Option<Duration>,
}

const HELD: &str = "held\t";

/// The file's line for `line`, written at `at`.
pub fn line(at: Duration, line: &str) -> String {
    format!("{}\t{line}\n", at.as_micros())
}

/// The file's line saying that the runtime had been held up for `in_all`
/// by the lines that follow it (or, last, after every line).
pub fn held_up(in_all: Duration) -> String {
    format!("{HELD}{}\n", in_all.as_micros())
}

/// Each line with its instant, in the order written, and how the runtime
/// was held up before it.
pub fn parse(text: &str) -> Result<Recording<'_>, String> {
    let micros = |index: usize, at: &str| {
        at.parse()
            .map(Duration::from_micros)
            .map_err(|_| format!("line {}: {at:?} is no count of microseconds", index + 1))
    };
    let mut recording = Recording {
        lines: Vec::new(),
        held_up_after: None,
    };
    // Not `lines()`, which would take a `\r` the run wrote for part of a newline.
    for (index, line) in text.split_terminator('\n').enumerate() {
        if let Some(most) = line.strip_prefix(HELD) {
            recording.held_up_after = Some(micros(index, most)?);
            continue;
        }
        let (at, written) = line
            .split_once('\t')
            .ok_or_else(|| format!("line {}: no tab after the instant", index + 1))?;
        recording.lines.push(Written {
            at: micros(index, at)?,
            // A `held` line counts for every line up to the next one.
            held_up: recording.held_up_after,
            text: written,
        });
    }
    // The last `held` line counts after the last line only if it came after it.
    let last_held = text.split_terminator('\n').next_back();
    if !last_held.is_some_and(|line| line.starts_with(HELD)) {
        recording.held_up_after = None;
    }
    Ok(recording)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_tabs_reads_back_as_written() {
        let written = line(Duration::from_millis(1500), "a\tb") + &line(Duration::ZERO, "");
        let recording = parse(&written).unwrap();
        let texts: Vec<_> = recording.lines.iter().map(|l| (l.at, l.text)).collect();
        assert_eq!(
            texts,
            [(Duration::from_millis(1500), "a\tb"), (Duration::ZERO, "")]
        );
        assert!(recording.lines.iter().all(|l| l.held_up.is_none()));
        assert_eq!(recording.held_up_after, None);
        assert!(parse("1.5\tx").unwrap_err().contains("line 1"));
        assert!(parse("15").unwrap_err().contains("no tab"));
    }

    /// A line the run wrote that starts like a `held` line is still a
    /// line: it has an instant before it.
    #[test]
    fn each_held_line_counts_for_the_lines_after_it() {
        let ms = Duration::from_millis;
        let written = held_up(ms(1))
            + &line(ms(0), "a")
            + &line(ms(0), "held\t5")
            + &held_up(ms(250))
            + &line(ms(300), "b")
            + &held_up(ms(7));
        let recording = parse(&written).unwrap();
        let lines: Vec<_> = recording
            .lines
            .iter()
            .map(|l| (l.held_up, l.text))
            .collect();
        assert_eq!(
            lines,
            [
                (Some(ms(1)), "a"),
                (Some(ms(1)), "held\t5"),
                (Some(ms(250)), "b")
            ]
        );
        assert_eq!(recording.held_up_after, Some(ms(7)));
    }
}
