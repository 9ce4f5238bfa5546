//! What a learner sees of `hint NAME`: the next of an exercise's three hints.
//!
//! Which of an exercise's three hints `hint NAME` shows next: the one piece of
//! state the checker keeps, a digit per exercise in `exercise-hints/` beside
//! its executable (in the target directory). It can only go stale harmlessly:
//! an unreadable file counts as no hint shown, and `hint NAME 1` or
//! `reset NAME` starts again.

use std::io;
use std::path::PathBuf;

/// What each hint gives, by level.
pub const WHAT: [&str; 3] = ["a nudge", "the API to use", "the answer"];

pub struct Shown {
    dir: PathBuf,
}

impl Shown {
    pub fn beside_the_checker() -> io::Result<Shown> {
        let exe = std::env::current_exe()?;
        let dir = exe
            .parent()
            .ok_or_else(|| io::Error::other("the checker's executable is in no directory"))?;
        Ok(Shown {
            dir: dir.join("exercise-hints"),
        })
    }

    /// The hint to show when none is asked for: the one after the last shown.
    pub fn next(&self, name: &str) -> usize {
        let last = std::fs::read_to_string(self.dir.join(name))
            .ok()
            .and_then(|text| text.trim().parse::<usize>().ok())
            .unwrap_or(0);
        (last + 1).min(WHAT.len())
    }

    /// Remembers that hint `level` was shown; written beside and renamed into
    /// place, so that a reader never sees half.
    pub fn record(&self, name: &str, level: usize) -> io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let (path, new) = (self.dir.join(name), self.dir.join(format!("{name}.new")));
        std::fs::write(&new, format!("{level}\n"))?;
        std::fs::rename(new, path)
    }

    pub fn forget(&self, name: &str) -> io::Result<()> {
        match std::fs::remove_file(self.dir.join(name)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_hint_follows_the_last_until_forgotten() {
        let dir = std::env::temp_dir().join(format!("exercise-hints-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let shown = Shown { dir: dir.clone() };
        for level in 1..=3 {
            assert_eq!(shown.next("timeout"), level);
            shown.record("timeout", level).unwrap();
        }
        assert_eq!((shown.next("timeout"), shown.next("actor")), (3, 1));
        shown.forget("timeout").unwrap();
        shown.forget("actor").unwrap();
        assert_eq!(shown.next("timeout"), 1);
        for (stale, next) in [("garbage", 1), ("17", 3)] {
            std::fs::write(dir.join("timeout"), stale).unwrap();
            assert_eq!(shown.next("timeout"), next);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
