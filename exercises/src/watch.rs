//! `--watch`: the learner's progress, checked again whenever a file under
//! `exercises/src/` is saved (the debouncer folds an editor's writes into one).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use notify_debouncer_mini::new_debouncer;
use notify_debouncer_mini::notify::RecursiveMode;
use walkdir::WalkDir;

pub fn watch(check: impl Fn() -> io::Result<bool>) -> io::Result<bool> {
    let dir = crate::catalog::crate_dir().join("src");
    let (events, saved) = mpsc::channel();
    let mut debouncer =
        new_debouncer(Duration::from_millis(200), events).map_err(io::Error::other)?;
    debouncer
        .watcher()
        .watch(&dir, RecursiveMode::Recursive)
        .map_err(io::Error::other)?;
    let mut seen = snapshot(&dir);
    loop {
        check()?;
        println!("\nWatching exercises/src/ for changes; press Ctrl-C to stop.");
        loop {
            match saved.recv() {
                // The build reads every file: only a changed time or length counts.
                Ok(Ok(_)) => {
                    let now = snapshot(&dir);
                    if now != seen {
                        seen = now;
                        break;
                    }
                }
                Ok(Err(error)) => return Err(io::Error::other(error)),
                Err(mpsc::RecvError) => return Ok(true),
            }
        }
        println!("\n──── a file changed, checking again ────\n");
    }
}

/// Every `.rs` file under `dir` with its modification time and length.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    let entries = WalkDir::new(dir).sort_by_file_name().into_iter().flatten();
    let rust = entries.filter(|entry| entry.path().extension().is_some_and(|e| e == "rs"));
    let stamp = |entry: walkdir::DirEntry| {
        let metadata = entry.metadata().ok()?;
        Some((entry.into_path(), metadata.modified().ok(), metadata.len()))
    };
    rust.filter_map(stamp).collect()
}
