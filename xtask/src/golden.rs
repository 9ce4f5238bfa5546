//! Golden files: `tests/golden/<section>/<example>.stdout` holds exactly what
//! the example prints, on either clock, and the optional
//! `tests/golden/<section>/<example>.timeline` its timeline on the virtual
//! clock, in the text form `--timeline-file` writes, and the optional
//! `tests/golden/<section>/<example>.dump` where each of its tasks waits at
//! the instant the file's first line names, as `--dump-at` prints it.

use std::io;
use std::path::{Path, PathBuf};

use similar::TextDiff;

/// Where the golden file of an example lives under `golden_root`.
pub fn path(golden_root: &Path, section: &str, example: &str) -> PathBuf {
    golden_root
        .join(section)
        .join(format!("{example}.{STDOUT}"))
}

/// The extension of a golden file of what an example prints.
pub const STDOUT: &str = "stdout";

/// Where the timeline golden file of an example lives under `golden_root`.
/// Only the examples that have one are compared with it.
pub fn timeline_path(golden_root: &Path, section: &str, example: &str) -> PathBuf {
    golden_root
        .join(section)
        .join(format!("{example}.{TIMELINE}"))
}

/// The extension of a timeline golden file.
pub const TIMELINE: &str = "timeline";

/// Where the dump golden file of an example lives: what `--dump-at` prints
/// at the instant its first line names. Only the examples that have one
/// are compared with it, on either clock.
pub fn dump_path(golden_root: &Path, section: &str, example: &str) -> PathBuf {
    golden_root.join(section).join(format!("{example}.{DUMP}"))
}

/// The extension of a dump golden file.
pub const DUMP: &str = "dump";

/// `tests/golden/<section>/<example>.stdout`: the path relative to the
/// workspace root, which is two levels above `golden_root`.
pub fn display_name(path: &Path, golden_root: &Path) -> String {
    let root = golden_root
        .parent()
        .and_then(Path::parent)
        .unwrap_or(golden_root);
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// What reading a golden file found.
#[derive(Debug, PartialEq, Eq)]
pub enum Golden {
    Text(String),
    /// There is no such file.
    Missing,
    /// The file is there but can't be used: unreadable, or not UTF-8.
    Unreadable(String),
}

pub fn read(path: &Path) -> Golden {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Golden::Text(text),
            Err(error) => Golden::Unreadable(format!("it is not UTF-8 ({error})")),
        },
        Err(error) if error.kind() == io::ErrorKind::NotFound => Golden::Missing,
        Err(error) => Golden::Unreadable(error.to_string()),
    }
}

/// Every golden file under `golden_root` with this extension (`stdout` or
/// [`TIMELINE`]), as `(section, example)` pairs, sorted. Other files are
/// ignored.
pub fn all(golden_root: &Path, wanted: &str) -> io::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    if !golden_root.is_dir() {
        return Ok(found);
    }
    for section in std::fs::read_dir(golden_root)? {
        let section = section?.path();
        if !section.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&section)? {
            let file = file?.path();
            if file
                .extension()
                .is_some_and(|extension| extension == wanted)
                && let (Some(section), Some(example)) = (name(&section), stem(&file))
            {
                found.push((section, example));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn name(path: &Path) -> Option<String> {
    path.file_name()?.to_str().map(str::to_owned)
}

fn stem(path: &Path) -> Option<String> {
    path.file_stem()?.to_str().map(str::to_owned)
}

/// A unified diff from the golden text to the actual output.
pub fn diff(golden_name: &str, expected: &str, actual: &str) -> String {
    TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(golden_name, "actual output")
        .to_string()
}

/// How a run on the real clock compares with its golden file, which holds
/// what the program prints on the paused clock, where every timer fires on
/// time. On the real clock a timer fires late, never early: a busy machine
/// wakes a program a few milliseconds late, or stalls it for tenths of a
/// second, and the delays add up over the waits before a printed time.
#[derive(Debug, PartialEq, Eq)]
pub enum OnTheRealClock {
    /// The same, byte for byte.
    Same,
    /// The same but for these times, each printed later than the golden
    /// file's, within [`LATE_BY_AT_MOST`].
    Late(Vec<LateTime>),
    /// Any other difference: a line, a value that is not a time, a time
    /// printed earlier than the golden file's, or later than it allows.
    Differs,
}

/// The tolerance of a comparison on the real clock, for reports.
pub const LATE_BY_AT_MOST: &str = "a printed time may be later than its golden file's by up to half a second, and \
     one unit of its last digit more for rounding (1.6s for 1.0s, 3s for 2s), never earlier";

/// The lateness a printed time is allowed, in microseconds, before the
/// rounding of its last digit: the stalls seen in CI, beside the other
/// checks, reached four tenths of a second.
const HALF_A_SECOND_MICROS: u64 = 500_000;

/// A time printed late: the golden file's and the run's, on a line
/// (counted from 1).
#[derive(Debug, PartialEq, Eq)]
pub struct LateTime {
    pub line: usize,
    pub expected: String,
    pub actual: String,
}

impl std::fmt::Display for LateTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}: {} for {}",
            self.line, self.actual, self.expected
        )
    }
}

/// One line of a report on the times a run printed late, such as
/// `2 times late, as the real clock allows (line 3: 1.1s for 1.0s, line 5: 2.3s for 2.0s)`.
pub fn describe_late(late: &[LateTime]) -> String {
    let listed: Vec<String> = late.iter().take(3).map(LateTime::to_string).collect();
    let more = late.len().saturating_sub(listed.len());
    format!(
        "{} late, as the real clock allows ({}{})",
        if late.len() == 1 {
            "1 time".to_owned()
        } else {
            format!("{} times", late.len())
        },
        listed.join(", "),
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        }
    )
}

/// Compares what a program printed on the real clock with its golden file:
/// the same lines, except that a time (digits, an optional fraction, then
/// `s`, `ms` or ` seconds`, not followed by a letter or digit) may read
/// more, with the same unit and number of digits after the point: up to
/// half a second more, and one unit of its last digit for rounding
/// (`1.6s` for `1.0s`, `3s` for `2s`). A time printed earlier is a
/// failure: no timer fires early.
pub fn compare_on_the_real_clock(expected: &str, actual: &str) -> OnTheRealClock {
    if expected == actual {
        return OnTheRealClock::Same;
    }
    if expected.lines().count() != actual.lines().count() {
        return OnTheRealClock::Differs;
    }
    let mut late = Vec::new();
    for (index, (expected, actual)) in expected.lines().zip(actual.lines()).enumerate() {
        if expected == actual {
            continue;
        }
        let (expected_text, expected_times) = split_times(expected);
        let (actual_text, actual_times) = split_times(actual);
        if expected_text != actual_text || expected_times.len() != actual_times.len() {
            return OnTheRealClock::Differs;
        }
        for (expected, actual) in expected_times.into_iter().zip(actual_times) {
            if expected == actual {
                continue;
            }
            if !is_late_within_allowance(expected, actual) {
                return OnTheRealClock::Differs;
            }
            late.push(LateTime {
                line: index + 1,
                expected: expected.to_owned(),
                actual: actual.to_owned(),
            });
        }
    }
    // Lines equal one by one, yet the texts differ: only a line ending can.
    if late.is_empty() {
        return OnTheRealClock::Differs;
    }
    OnTheRealClock::Late(late)
}

/// Whether `actual` differs from `expected` only in times printed later,
/// by any amount: the same lines, with the same text around their times,
/// and no time earlier. A run that [`compare_on_the_real_clock`] finds
/// different for this alone was held up (a busy machine can stall a
/// program for tenths of a second), or waits too long every time; running
/// it again tells which.
pub fn only_later(expected: &str, actual: &str) -> bool {
    if expected.lines().count() != actual.lines().count() {
        return false;
    }
    expected
        .lines()
        .zip(actual.lines())
        .all(|(expected, actual)| {
            let (expected_text, expected_times) = split_times(expected);
            let (actual_text, actual_times) = split_times(actual);
            expected_text == actual_text
                && expected_times.len() == actual_times.len()
                && expected_times
                    .into_iter()
                    .zip(actual_times)
                    .all(|(expected, actual)| later_by(expected, actual).is_some())
        })
}

/// How many units of its last digit `actual` is later than `expected`, in
/// the same unit and with as many digits after the point (`Some(0)` for the
/// same time), and how many microseconds a unit is; `None` if it is earlier
/// or not comparable.
fn later_by(expected: &str, actual: &str) -> Option<(u64, u64)> {
    let split = |time: &str| {
        let number_end = time
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(time.len());
        let (number, unit) = time.split_at(number_end);
        let decimals = number
            .split_once('.')
            .map_or(0, |(_, fraction)| fraction.len());
        // As a whole number of units of the last digit.
        let units: Option<u64> = number.replace('.', "").parse().ok();
        (units, decimals, unit.to_owned())
    };
    let (expected_units, expected_decimals, expected_unit) = split(expected);
    let (actual_units, actual_decimals, actual_unit) = split(actual);
    if expected_unit != actual_unit || expected_decimals != actual_decimals {
        return None;
    }
    let unit_micros = if expected_unit == "ms" {
        1_000
    } else {
        1_000_000
    };
    // A unit finer than a microsecond is no time the examples print.
    let scale = 10_u64.checked_pow(u32::try_from(expected_decimals).ok()?)?;
    let unit_micros = Some(unit_micros / scale).filter(|&micros| micros > 0)?;
    Some((actual_units?.checked_sub(expected_units?)?, unit_micros))
}

/// Whether `actual` is later than `expected`, in the same unit and with as
/// many digits after the point, by up to half a second and one unit of its
/// last digit: `1.1s` or `1.6s` for `1.0s`, `751ms` for `250ms`, `3s` for
/// `2s`; never `1.7s`, `4s` or `0.9s` for `1.0s`, `2s` and `1.0s`.
fn is_late_within_allowance(expected: &str, actual: &str) -> bool {
    later_by(expected, actual).is_some_and(|(units, unit_micros)| {
        units > 0 && (units - 1).saturating_mul(unit_micros) <= HALF_A_SECOND_MICROS
    })
}

/// What may follow the digits of a printed time: the examples print `2.0s`
/// and `250ms`, and a few spell out `2.0 seconds`. Longer first, so that
/// `ms` is not read as `m` and `s`, nor ` seconds` as ` second`.
const UNITS: [&str; 4] = [" seconds", " second", "ms", "s"];

/// `line` with every time in it (digits, an optional fraction, then one of
/// [`UNITS`], not followed by a letter or digit) replaced by `<time>`, and
/// the times it held, in order.
fn split_times(line: &str) -> (String, Vec<&str>) {
    let bytes = line.as_bytes();
    let mut text = String::with_capacity(line.len());
    let mut times = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let starts_number = bytes[at].is_ascii_digit()
            && (at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'.'));
        if starts_number {
            let mut end = at;
            while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'.') {
                end += 1;
            }
            let unit = UNITS
                .into_iter()
                .find(|unit| line[end..].starts_with(unit))
                .filter(|unit| {
                    !bytes
                        .get(end + unit.len())
                        .is_some_and(u8::is_ascii_alphanumeric)
                });
            if let Some(unit) = unit {
                text.push_str("<time>");
                times.push(&line[at..end + unit.len()]);
                at = end + unit.len();
                continue;
            }
            text.push_str(&line[at..end]);
            at = end;
            continue;
        }
        // `at` is on a character boundary: numbers are ASCII.
        let next = line[at..].chars().next().map_or(1, char::len_utf8);
        text.push_str(&line[at..at + next]);
        at += next;
    }
    (text, times)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn late(line: usize, expected: &str, actual: &str) -> LateTime {
        LateTime {
            line,
            expected: expected.to_owned(),
            actual: actual.to_owned(),
        }
    }

    #[test]
    fn a_time_may_be_up_to_half_a_second_or_one_unit_of_its_last_digit_late() {
        let golden = "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\n";
        assert_eq!(
            compare_on_the_real_clock(golden, golden),
            OnTheRealClock::Same
        );
        assert_eq!(
            compare_on_the_real_clock(
                golden,
                "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.7s, v4 at 1.2s\n"
            ),
            OnTheRealClock::Late(vec![late(2, "0.6s", "0.7s"), late(2, "1.1s", "1.2s")])
        );
        // A carry into the next digit is one unit too; so is a whole second
        // where the time has no fraction, and a millisecond where it is in ms.
        assert_eq!(
            compare_on_the_real_clock("[0.9s] took 250ms", "[1.0s] took 251ms"),
            OnTheRealClock::Late(vec![late(1, "0.9s", "1.0s"), late(1, "250ms", "251ms")])
        );
        // Up to half a second and a unit, however the time is written.
        assert_eq!(
            compare_on_the_real_clock("[0.9s] took 250ms", "[1.5s] took 751ms"),
            OnTheRealClock::Late(vec![late(1, "0.9s", "1.5s"), late(1, "250ms", "751ms")])
        );
        assert_eq!(
            compare_on_the_real_clock("at 3.40s", "at 3.90s"),
            OnTheRealClock::Late(vec![late(1, "3.40s", "3.90s")])
        );
        assert_eq!(
            compare_on_the_real_clock("→ 2s élapsed", "→ 3s élapsed"),
            OnTheRealClock::Late(vec![late(1, "2s", "3s")])
        );
        // Spelt out, as scrape_pages prints it.
        assert_eq!(
            compare_on_the_real_clock(
                "Fetched 5 pages in 2.0 seconds",
                "Fetched 5 pages in 2.1 seconds"
            ),
            OnTheRealClock::Late(vec![late(1, "2.0 seconds", "2.1 seconds")])
        );
    }

    #[test]
    fn an_early_time_a_very_late_one_or_any_other_change_differs() {
        let golden = "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\n";
        for other in [
            // Early: no timer fires early.
            "Reloads: v2 at 0.0s\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\n",
            "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v4 at 1.0s\n",
            // More than half a second late.
            "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v4 at 1.8s\n",
            // Another precision or unit.
            "Reloads: v2 at 0.10s\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\n",
            "Reloads: v2 at 100ms\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\n",
            // A value that is not a time, a missing or extra line, a space.
            "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v5 at 1.1s\n",
            "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s\n",
            "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\nextra\n",
            "Reloads: v2 at 0.1 s\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\n",
            "Reloads: v2 at 0.1 second\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\n",
            // A line ending.
            "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v4 at 1.1s",
        ] {
            assert_eq!(
                compare_on_the_real_clock(golden, other),
                OnTheRealClock::Differs,
                "{other}"
            );
        }
        for (expected, actual) in [
            ("3 tasks", "4 tasks"),
            ("v2s", "v3s"),
            ("1.5sec", "1.6sec"),
            ("in 2.0 seconds", "in 1.9 seconds"),
            ("in 2.0 seconds", "in 2.7 seconds"),
            ("after 2s", "after 4s"),
            ("took 250ms", "took 752ms"),
            ("at 0.9s", "at 1.6s"),
            ("2 secondsworth", "3 secondsworth"),
        ] {
            assert_eq!(
                compare_on_the_real_clock(expected, actual),
                OnTheRealClock::Differs,
                "{actual}"
            );
        }
    }

    #[test]
    fn only_later_times_are_told_from_any_other_difference() {
        let golden = "answered at 0.0s 1.4s\ntrickling: after 2.0s\n";
        // Held up: every difference a time printed later, by any amount.
        assert!(only_later(
            golden,
            "answered at 0.0s 1.6s\ntrickling: after 2.4s\n"
        ));
        assert!(only_later(golden, golden));
        // Any time earlier, any other change, or another number of lines.
        assert!(!only_later(
            golden,
            "answered at 0.0s 1.3s\ntrickling: after 2.4s\n"
        ));
        assert!(!only_later(
            golden,
            "answered at 0.0s 1.6s\ntrickling: before 2.4s\n"
        ));
        assert!(!only_later(
            golden,
            "answered at 0.0s 1.60s\ntrickling: after 2.4s\n"
        ));
        assert!(!only_later(golden, "answered at 0.0s 1.6s\n"));
    }

    #[test]
    fn a_late_report_names_the_times() {
        let times = [
            late(3, "1.0s", "1.1s"),
            late(5, "2.0s", "2.3s"),
            late(6, "2.5s", "2.6s"),
            late(9, "4.0s", "4.1s"),
        ];
        assert_eq!(
            describe_late(&times[..1]),
            "1 time late, as the real clock allows (line 3: 1.1s for 1.0s)"
        );
        assert_eq!(
            describe_late(&times),
            "4 times late, as the real clock allows (line 3: 1.1s for 1.0s, \
             line 5: 2.3s for 2.0s, line 6: 2.6s for 2.5s, and 1 more)"
        );
    }

    #[test]
    fn diff_marks_the_changed_line() {
        let diff = diff("hello.stdout", "Hello\nWorld\n", "Hello\nWrld\n");
        assert!(
            diff.starts_with("--- hello.stdout\n+++ actual output\n"),
            "{diff}"
        );
        assert!(diff.contains("\n-World\n+Wrld\n"), "{diff}");
    }

    #[test]
    fn a_missing_file_is_told_apart_from_a_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(&dir.path().join("none.stdout")), Golden::Missing);
        let bad = dir.path().join("bad.stdout");
        std::fs::write(&bad, [0x66, 0xff]).unwrap();
        assert!(matches!(read(&bad), Golden::Unreadable(why) if why.contains("UTF-8")));
        assert!(matches!(read(dir.path()), Golden::Unreadable(_)));
    }
}
