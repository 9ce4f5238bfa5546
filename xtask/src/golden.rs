//! Guards what each example prints: its golden files.
//!
//! Golden files, `tests/golden/<section>/<example>.<kind>`: where they live and
//! how a run is compared with one.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

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
