//! `--watch`: the learner's progress, checked again whenever a file under
//! `exercises/src/` is saved (the debouncer folds an editor's writes into one).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use notify_debouncer_mini::new_debouncer;
use notify_debouncer_mini::notify::RecursiveMode;

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
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push((path, metadata.modified().ok(), metadata.len()));
            }
        }
    }
    files.sort();
    files
}
