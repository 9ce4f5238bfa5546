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

/// Whether `actual` differs from `expected` only in the times it prints
/// (`1.1s`, `[0.4s]`, `250ms`), each line otherwise the same. On the real
/// clock a busy machine can wake a program a little late and move a time
/// it prints by a tenth of a second; such a run is worth one more try,
/// alone, before it counts as a failure. Any other difference is not.
pub fn differs_only_in_times(expected: &str, actual: &str) -> bool {
    expected != actual
        && expected.lines().count() == actual.lines().count()
        && expected
            .lines()
            .zip(actual.lines())
            .all(|(expected, actual)| without_times(expected) == without_times(actual))
}

/// `line` with every time in it (digits, an optional fraction, then `s` or
/// `ms`, not followed by a letter or digit) replaced by `<time>`.
fn without_times(line: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut at = 0;
    while at < bytes.len() {
        let starts_number = bytes[at].is_ascii_digit()
            && (at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'.'));
        if starts_number {
            let mut end = at;
            while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'.') {
                end += 1;
            }
            let unit = ["ms", "s"]
                .into_iter()
                .find(|unit| line[end..].starts_with(unit))
                .filter(|unit| {
                    !bytes
                        .get(end + unit.len())
                        .is_some_and(u8::is_ascii_alphanumeric)
                });
            if let Some(unit) = unit {
                out.push_str("<time>");
                at = end + unit.len();
                continue;
            }
            out.push_str(&line[at..end]);
            at = end;
            continue;
        }
        // `at` is on a character boundary: numbers are ASCII.
        let next = line[at..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&line[at..at + next]);
        at += next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_difference_in_printed_times_is_one_in_times() {
        let golden = "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\n";
        assert!(differs_only_in_times(
            golden,
            "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v4 at 1.2s\n"
        ));
        assert!(differs_only_in_times(
            "[0.4s] took 250ms",
            "[0.5s] took 260ms"
        ));
        assert!(differs_only_in_times("→ 2s élapsed", "→ 3s élapsed"));
        // The same text is no difference at all.
        assert!(!differs_only_in_times(golden, golden));
        // A value that is not a time, a word, a line more or less: not times.
        for other in [
            "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v5 at 1.1s\n",
            "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s\n",
            "Reloads: v2 at 0.1s\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\nextra\n",
            "Reloads: v2 at 0.1 s\nbroadcast: applied v3 at 0.6s, v4 at 1.1s\n",
        ] {
            assert!(!differs_only_in_times(golden, other), "{other}");
        }
        assert!(!differs_only_in_times("3 tasks", "4 tasks"));
        assert!(!differs_only_in_times("v2s", "v3s"));
        assert!(!differs_only_in_times("1.5sec", "1.6sec"));
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
