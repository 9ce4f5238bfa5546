//! The text form of `--line-instants`: a line for each line the run wrote
//! to stdout, the instant of its example's clock at which it was written
//! (microseconds), a tab, then the line. On the real clock, where the
//! runner can read how long its runtime's threads waited for a CPU, a last
//! line `held`, a tab, and the most they waited in any [`EITHER_ORDER`].

use std::time::Duration;

/// How far apart two lines' instants on the virtual clock may be and still
/// come in either order on the real clock, where a busy machine runs a
/// timer late by as much as it delays the process; also the window in which
/// the runner counts how long the machine held its runtime up. Measured:
/// see CONTRIBUTING.md, "Output that holds on every run".
pub const EITHER_ORDER: Duration = Duration::from_millis(400);

/// What a run wrote: its lines with their instants, and how long the
/// machine held its runtime up, where that could be read.
#[derive(Debug, PartialEq, Eq)]
pub struct Recording<'a> {
    pub lines: Vec<(Duration, &'a str)>,
    /// The most time, within any [`EITHER_ORDER`] of the run, that a thread
    /// of its runtime was ready to run and waited for a CPU.
    pub held_up: Option<Duration>,
}

const HELD: &str = "held\t";

/// The file's line for `line`, written at `at`.
pub fn line(at: Duration, line: &str) -> String {
    format!("{}\t{line}\n", at.as_micros())
}

/// The file's last line, for a run whose runtime was held up for `most`.
pub fn held_up(most: Duration) -> String {
    format!("{HELD}{}\n", most.as_micros())
}

/// Each line with its instant, in the order written, and the `held` line.
pub fn parse(text: &str) -> Result<Recording<'_>, String> {
    let micros = |index: usize, at: &str| {
        at.parse()
            .map(Duration::from_micros)
            .map_err(|_| format!("line {}: {at:?} is no count of microseconds", index + 1))
    };
    let mut recording = Recording {
        lines: Vec::new(),
        held_up: None,
    };
    // Not `lines()`, which would take a `\r` the run wrote for part of a newline.
    for (index, line) in text.split_terminator('\n').enumerate() {
        if recording.held_up.is_some() {
            return Err(format!("line {}: a line after the `held` line", index + 1));
        }
        if let Some(most) = line.strip_prefix(HELD) {
            recording.held_up = Some(micros(index, most)?);
            continue;
        }
        let (at, written) = line
            .split_once('\t')
            .ok_or_else(|| format!("line {}: no tab after the instant", index + 1))?;
        recording.lines.push((micros(index, at)?, written));
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
        assert_eq!(
            recording.lines,
            [(Duration::from_millis(1500), "a\tb"), (Duration::ZERO, "")]
        );
        assert_eq!(recording.held_up, None);
        assert!(parse("1.5\tx").unwrap_err().contains("line 1"));
        assert!(parse("15").unwrap_err().contains("no tab"));
    }

    /// A line the run wrote that starts like the `held` line is still a
    /// line: it has an instant before it.
    #[test]
    fn the_held_line_comes_last_and_is_no_written_line() {
        let written = line(Duration::ZERO, "held\t5") + &held_up(Duration::from_millis(250));
        let recording = parse(&written).unwrap();
        assert_eq!(recording.lines, [(Duration::ZERO, "held\t5")]);
        assert_eq!(recording.held_up, Some(Duration::from_millis(250)));
        let after = held_up(Duration::ZERO) + &line(Duration::ZERO, "x");
        assert!(parse(&after).unwrap_err().contains("after the `held` line"));
    }
}
