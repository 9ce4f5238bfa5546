//! Guards what each example prints: its golden files.
//!
//! Golden files, `tests/golden/<section>/<example>.<kind>`: where they live and
//! how a run is compared with one.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use protocol::Clock;
use regex::Regex;
use similar::TextDiff;

/// What an example prints; on either clock.
pub const STDOUT: &str = "stdout";
/// Its `--timeline-file`, on the virtual clock only.
pub const TIMELINE: &str = "timeline";
/// Where its tasks wait at the instant the file's first line names.
pub const DUMP: &str = "dump";
/// Its asyncio twin's tasks, as `cargo xtask twins` records them.
pub const TWIN_TIMELINE: &str = "twin.timeline";

pub fn path(golden_root: &Path, section: &str, example: &str, kind: &str) -> PathBuf {
    golden_root.join(section).join(format!("{example}.{kind}"))
}

/// A golden file, by the example it is of.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoldenFile {
    pub section: String,
    pub example: String,
}

/// Every golden file of this kind, sorted.
pub fn all(golden_root: &Path, kind: &str) -> std::io::Result<Vec<GoldenFile>> {
    let mut found = Vec::new();
    for section in std::fs::read_dir(golden_root)? {
        let section = section?.path();
        let name = section.file_name().and_then(|name| name.to_str());
        let Some(section_name) = name else {
            continue;
        };
        if !section.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&section)? {
            let file = file?.path();
            let name = file.file_name().and_then(|name| name.to_str());
            // `x.twin.timeline` is a `twin.timeline`, not the `timeline` of `x.twin`.
            let example = name.and_then(|name| name.strip_suffix(&format!(".{kind}")));
            let Some(example) = example else {
                continue;
            };
            if !example.contains('.') {
                found.push(GoldenFile {
                    section: section_name.to_owned(),
                    example: example.to_owned(),
                });
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The golden file's text, or why it can't be compared.
pub fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", name(path)))
}

/// A path as a reader finds it: relative to the workspace's root.
pub fn name(path: &Path) -> String {
    let workspace = crate::workspace::Workspace::locate();
    path.strip_prefix(workspace.root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A printed time: digits, maybe a fraction, then a unit; not part of a
/// word or of a dotted number.
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^\w.])\d+(\.\d+)?( ?ms|s| seconds?)\b").expect("the pattern is valid")
});

/// The text with every printed time replaced by `<time>`: on the real clock
/// a timer fires late by however busy the machine is, so the lines and their
/// order are compared there, and the times only on the virtual clock.
pub fn without_times(text: &str) -> Cow<'_, str> {
    TIME.replace_all(text, "${1}<time>")
}

pub use protocol::line_instants::EITHER_ORDER;

/// How far apart on the virtual clock two events must be when which comes
/// first decides what is printed. Of it, [`EITHER_ORDER`] is what a busy
/// machine may add, and [`OWN_WORK`] what the work between them may take on
/// an idle one. CONTRIBUTING.md, "Output that holds on every run", says why.
pub const RACE: Duration = Duration::from_millis(500);

/// How much later than on the virtual clock an example's own work may make
/// a line on an idle machine: the rest of a line's lateness is time the
/// machine kept the run's threads from a CPU.
pub const OWN_WORK: Duration = RACE.saturating_sub(EITHER_ORDER);

/// How a run on the real clock compares with the golden file.
pub struct OnTheRealClock {
    /// Where it breaks what a busy machine can't change, if it does: the
    /// golden file's lines, times aside, each as often, and in their order
    /// but for lines written within [`EITHER_ORDER`] of each other on the
    /// virtual clock.
    pub diff: Option<String>,
    /// The most a line ran later than one due before it (each against its
    /// instant on the virtual clock): the machine's share in the order.
    pub lag: Duration,
    /// Where the run first broke it, if it did: the index of the line it
    /// wrote out of order, or in place of another; `None` for a run that
    /// only left lines out at its end.
    pub first_difference: Option<usize>,
    /// Where it broke it, how much later than on the virtual clock a line
    /// must have come for the machine to have made the difference (zero
    /// where it broke nothing): the line due next had not come by the time
    /// the run wrote another in its place, so it was at least that late; at
    /// least [`EITHER_ORDER`], the least that changes an order, for a line
    /// the golden file doesn't have there, or lines left out at the end.
    pub needed: Duration,
}

/// Compares `run`, the lines a run on the real clock wrote with their
/// instants, with `written`, the golden file's lines with the instants a
/// run on the virtual clock wrote them at.
pub fn on_the_real_clock(
    name: &str,
    written: &[(Duration, impl AsRef<str>)],
    run: &[(Duration, impl AsRef<str>)],
) -> OnTheRealClock {
    let expected: Vec<(Duration, Cow<'_, str>)> = written
        .iter()
        .map(|(at, line)| (*at, without_times(line.as_ref())))
        .collect();
    let unified = || {
        let expected: String = expected
            .iter()
            .map(|(_, line)| format!("{line}\n"))
            .collect();
        let actual: String = run
            .iter()
            .map(|(_, line)| format!("{}\n", without_times(line.as_ref())))
            .collect();
        let diff = TextDiff::from_lines(&expected, &actual);
        diff.unified_diff().header(name, "actual").to_string()
    };
    // Each line is taken for the first of the golden file's lines like it
    // still to come (those are interchangeable, and the first is due
    // soonest); a line due more than EITHER_ORDER after one still to come
    // is out of order. The virtual clock wrote its lines in time order.
    let mut taken: Vec<Option<Duration>> = vec![None; expected.len()];
    let mut out_of_order = None;
    let mut missing_or_more = false;
    let mut first_difference = None;
    let mut needed = Duration::ZERO;
    for (index, (at, line)) in run.iter().enumerate() {
        let line = without_times(line.as_ref());
        let next = taken.iter().position(Option::is_none);
        let found =
            (0..expected.len()).find(|&index| taken[index].is_none() && expected[index].1 == line);
        // How late the line due next was by the time this one was written.
        let late_by = |first_due: Duration| at.saturating_sub(first_due);
        let (Some(next), Some(found)) = (next, found) else {
            missing_or_more = true;
            first_difference.get_or_insert(index);
            let next_late = next.map_or(Duration::ZERO, |next| late_by(expected[next].0));
            needed = EITHER_ORDER.max(next_late);
            break;
        };
        let (due, first_due) = (expected[found].0, expected[next].0);
        if out_of_order.is_none() && due > first_due + EITHER_ORDER {
            out_of_order = Some((found, next, due - first_due));
            first_difference.get_or_insert(index);
            needed = (due - first_due).max(late_by(first_due));
        }
        taken[found] = Some(*at);
    }
    let lag = lag(&expected, &taken);
    if first_difference.is_none() && taken.contains(&None) {
        needed = EITHER_ORDER;
    }
    let diff = if missing_or_more || taken.contains(&None) {
        Some(unified())
    } else {
        out_of_order.map(|(early, late, apart)| {
            format!(
                "{}`{}` came before `{}`, which was written {:.3}s before it on the virtual \
                 clock (more than the {:.3}s within which lines may come in either order)\n",
                unified(),
                expected[early].1,
                expected[late].1,
                apart.as_secs_f64(),
                EITHER_ORDER.as_secs_f64(),
            )
        })
    };
    OnTheRealClock {
        diff,
        lag,
        first_difference,
        needed,
    }
}

/// The most a line ran later than one due before it: over lines `i < j`
/// both seen on the real clock (`ran`), `(ran_i - due_i) - (ran_j - due_j)`.
fn lag(expected: &[(Duration, Cow<'_, str>)], ran: &[Option<Duration>]) -> Duration {
    let micros = |duration: Duration| i128::try_from(duration.as_micros()).unwrap_or(i128::MAX);
    let mut lag = 0;
    // The least lateness among the lines after the current one.
    let mut least_after: Option<i128> = None;
    for ((due, _), ran) in expected.iter().zip(ran).rev() {
        let Some(ran) = ran else { continue };
        let late = micros(*ran) - micros(*due);
        if let Some(least) = least_after {
            lag = lag.max(late - least);
        }
        least_after = Some(least_after.map_or(late, |least| least.min(late)));
    }
    Duration::from_micros(u64::try_from(lag).unwrap_or(0))
}

/// A unified diff from the golden text to the actual one, or `None` if equal;
/// from a run on the real clock, of the two [`without_times`].
pub fn diff(name: &str, expected: &str, actual: &str, clock: Clock) -> Option<String> {
    let (expected, actual) = match clock {
        Clock::Virtual => (expected.into(), actual.into()),
        Clock::Real => (without_times(expected), without_times(actual)),
    };
    if expected == actual {
        return None;
    }
    let diff = TextDiff::from_lines(&*expected, &*actual);
    Some(diff.unified_diff().header(name, "actual").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_left_out_and_nothing_else() {
        assert_eq!(
            without_times("[1.0s] done in 250ms, 3 seconds, 2 ms; 4 items, v1.2s, 5sec\n"),
            "[<time>] done in <time>, <time>, <time>; 4 items, v1.2s, 5sec\n"
        );
    }

    /// Lines close on the virtual clock may swap; lines further apart, a
    /// line missing or a line more do not pass.
    #[test]
    fn on_the_real_clock_only_lines_close_in_time_may_swap() {
        let ms = Duration::from_millis;
        let written = [
            (ms(0), "start"),
            (ms(100), "a done in 0.1s"),
            (ms(100 + 400), "b"),
            (ms(1000), "c"),
            (ms(1000), "c"),
            (ms(2000), "end"),
        ];
        // Whether lines may swap depends on their instants in `written`
        // only, not on when the run wrote them.
        let diff = |lines: &[&str]| {
            let run: Vec<(Duration, &str)> = lines.iter().map(|&line| (ms(0), line)).collect();
            on_the_real_clock("golden", &written, &run).diff
        };
        assert_eq!(
            diff(&["start", "a done in 0.2s", "b", "c", "c", "end"]),
            None
        );
        assert_eq!(
            diff(&["start", "b", "a done in 0.1s", "c", "c", "end"]),
            None
        );
        let swapped = diff(&["b", "start", "a done in 0.1s", "c", "c", "end"]).unwrap();
        assert!(
            swapped.contains("`b` came before `start`, which was written 0.500s before it"),
            "{swapped}"
        );
        assert!(diff(&["start", "a done in 0.1s", "b", "c", "end"]).is_some());
        assert!(diff(&["start", "a done in 0.1s", "b", "c", "c", "c", "end"]).is_some());
        assert!(diff(&["start", "a done in 0.1s", "b", "c", "c", "end", "more"]).is_some());
        assert!(diff(&["start", "c", "a done in 0.1s", "b", "c", "end"]).is_some());
    }

    /// Where a run breaks the order, the line due next had not come by the
    /// time another was written in its place: it was at least that late,
    /// and never less than the lines' distance, or for a line the golden
    /// file lacks or lines left out, the least that changes an order.
    #[test]
    fn a_difference_needs_the_line_due_next_as_late_as_it_was_by_then() {
        let ms = Duration::from_millis;
        let written = [(ms(0), "a"), (ms(1000), "b"), (ms(1600), "c")];
        let needed = |run: &[(u64, &str)]| {
            let run: Vec<(Duration, &str)> = run.iter().map(|&(at, line)| (ms(at), line)).collect();
            on_the_real_clock("golden", &written, &run).needed
        };
        assert_eq!(needed(&[(0, "a"), (1000, "b"), (1600, "c")]), ms(0));
        // `c` ahead of `b`: `b` was 0.6 s late at the least, 1.1 s by the
        // time `c` came; a machine that delays every line alike delays `c`.
        assert_eq!(needed(&[(0, "a"), (1600, "c"), (1700, "b")]), ms(600));
        assert_eq!(needed(&[(0, "a"), (2100, "c"), (2150, "b")]), ms(1100));
        // A line the golden file lacks, in `b`'s place.
        assert_eq!(needed(&[(0, "a"), (1100, "d")]), EITHER_ORDER);
        assert_eq!(needed(&[(0, "a"), (1500, "d")]), ms(500));
        // Lines left out at the end.
        let ended = on_the_real_clock("golden", &written, &[(ms(0), "a")]);
        assert_eq!((ended.first_difference, ended.needed), (None, EITHER_ORDER));
    }

    /// The lag is how much later a line ran than one due before it, each
    /// against its instant on the virtual clock.
    #[test]
    fn the_lag_is_the_most_a_line_ran_late_against_one_due_before_it() {
        let ms = Duration::from_millis;
        let written = [(ms(0), "a"), (ms(100), "b"), (ms(200), "c")];
        let lag = |run: &[(Duration, &str)]| on_the_real_clock("golden", &written, run).lag;
        // All late by the same 50 ms: no line against another.
        assert_eq!(lag(&[(ms(50), "a"), (ms(150), "b"), (ms(250), "c")]), ms(0));
        // `b` 80 ms late and `c` on time: `b` ran 80 ms late against `c`.
        assert_eq!(lag(&[(ms(0), "a"), (ms(180), "b"), (ms(200), "c")]), ms(80));
        // `c` before `b`: 130 ms late against it, within the window.
        assert_eq!(
            lag(&[(ms(0), "a"), (ms(200), "c"), (ms(230), "b")]),
            ms(130)
        );
    }

    #[test]
    fn a_twins_timeline_is_no_timeline_of_an_example_named_x_twin() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("basics")).unwrap();
        for name in [
            "spawn.timeline",
            "spawn.twin.timeline",
            "join.twin.timeline",
        ] {
            std::fs::write(root.path().join("basics").join(name), "").unwrap();
        }
        let found = |kind| all(root.path(), kind).unwrap();
        let example = |name: &str| GoldenFile {
            section: "basics".to_owned(),
            example: name.to_owned(),
        };
        assert_eq!(found(TIMELINE), [example("spawn")]);
        assert_eq!(found(TWIN_TIMELINE), [example("join"), example("spawn")]);
    }
}
