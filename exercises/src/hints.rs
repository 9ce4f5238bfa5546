//! `hint NAME`: each run shows the next of an exercise's three hints, so
//! the learner reads only as much as they need.
//!
//! Which hint was shown last is the one piece of state the checker keeps: a
//! file per exercise holding a digit, in `exercise-hints/` beside the
//! checker's executable, which is in cargo's target directory. At worst it
//! goes stale harmlessly: `cargo clean` starts every exercise at the first
//! hint again, a file that cannot be read counts as no hint shown,
//! `hint NAME 1` goes back to the first, and `reset NAME` forgets it.

use std::io;
use std::path::{Path, PathBuf};

/// How many hints each exercise has.
pub const LEVELS: usize = 3;

/// What each hint gives, by level.
pub const WHAT: [&str; LEVELS] = ["a nudge", "the API to use", "the answer"];

/// Where the last hint shown of each exercise is kept.
pub struct Shown {
    dir: PathBuf,
}

impl Shown {
    /// Beside the checker's executable: `target/debug/exercise-hints/`.
    pub fn beside_the_checker() -> io::Result<Shown> {
        let exe = std::env::current_exe()?;
        let dir = exe
            .parent()
            .ok_or_else(|| io::Error::other("the checker's executable is in no directory"))?;
        Ok(Shown::at(dir.join("exercise-hints")))
    }

    pub fn at(dir: impl Into<PathBuf>) -> Shown {
        Shown { dir: dir.into() }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The last hint shown of exercise `name`, 1 to [`LEVELS`], or 0 if
    /// none was (or the file cannot be read).
    pub fn last(&self, name: &str) -> usize {
        std::fs::read_to_string(self.file(name))
            .ok()
            .and_then(|text| text.trim().parse::<usize>().ok())
            .map_or(0, |level| level.min(LEVELS))
    }

    /// The hint to show when none is asked for: the one after the last.
    pub fn next(&self, name: &str) -> usize {
        (self.last(name) + 1).min(LEVELS)
    }

    /// Remembers that hint `level` of `name` was shown.
    pub fn record(&self, name: &str, level: usize) -> io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        write_atomically(&self.file(name), &format!("{level}\n"))
    }

    /// Forgets which hint of `name` was shown: the next is the first.
    pub fn forget(&self, name: &str) -> io::Result<()> {
        match std::fs::remove_file(self.file(name)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}

/// Writes `text` to a temporary file beside `path` and renames it over
/// `path`, so that a reader sees the old level or the new one, never half.
fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let temporary = path.with_extension("new");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}

/// Parses the LEVEL argument of `hint`.
pub fn parse_level(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(level) if (1..=LEVELS).contains(&level) => Ok(level),
        _ => Err(format!(
            "`{text}` is not a hint level; give 1 ({}), 2 ({}) or 3 ({})",
            WHAT[0], WHAT[1], WHAT[2]
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> Shown {
        let dir =
            std::env::temp_dir().join(format!("exercise-hints-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Shown::at(dir)
    }

    #[test]
    fn each_hint_follows_the_last_and_the_last_stays() {
        let shown = scratch("follows");
        assert_eq!(shown.next("timeout"), 1);
        for level in 1..=LEVELS {
            assert_eq!(shown.next("timeout"), level);
            shown.record("timeout", level).expect("record");
        }
        assert_eq!(shown.next("timeout"), LEVELS);
        // Each exercise has its own.
        assert_eq!(shown.next("actor"), 1);
        let _ = std::fs::remove_dir_all(&shown.dir);
    }

    #[test]
    fn forgetting_starts_again_at_the_first() {
        let shown = scratch("forget");
        shown.record("timeout", 2).expect("record");
        assert_eq!(shown.next("timeout"), 3);
        shown.forget("timeout").expect("forget");
        assert_eq!(shown.next("timeout"), 1);
        // Forgetting what was never shown is no error.
        shown.forget("actor").expect("forget nothing");
        let _ = std::fs::remove_dir_all(&shown.dir);
    }

    #[test]
    fn a_file_that_makes_no_sense_counts_as_no_hint_shown() {
        let shown = scratch("stale");
        std::fs::create_dir_all(&shown.dir).expect("dir");
        std::fs::write(shown.file("timeout"), "garbage").expect("write");
        assert_eq!(shown.next("timeout"), 1);
        std::fs::write(shown.file("timeout"), "17").expect("write");
        assert_eq!(shown.next("timeout"), LEVELS);
        let _ = std::fs::remove_dir_all(&shown.dir);
    }

    #[test]
    fn levels_parse_from_1_to_3() {
        assert_eq!(parse_level("1"), Ok(1));
        assert_eq!(parse_level("3"), Ok(3));
        for bad in ["0", "4", "two", ""] {
            assert!(parse_level(bad).is_err(), "{bad}");
        }
    }
}
