//! `--watch`: check the learner's progress again whenever a file under
//! `exercises/src/` is saved. `notify-debouncer-mini` folds the several
//! writes an editor makes per save into one event.

use std::io;
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_mini::new_debouncer;
use notify_debouncer_mini::notify::RecursiveMode;

use crate::Failure;

pub fn watch(check: fn() -> Result<(), Failure>) -> Result<(), Failure> {
    let dir = crate::check::crate_dir().join("src");
    let (events, saved) = mpsc::channel();
    let mut debouncer =
        new_debouncer(Duration::from_millis(200), events).map_err(io::Error::other)?;
    debouncer
        .watcher()
        .watch(&dir, RecursiveMode::Recursive)
        .map_err(io::Error::other)?;
    loop {
        match check() {
            Ok(()) | Err(Failure::Failed) => {}
            Err(error) => return Err(error),
        }
        println!("\nWatching exercises/src/ for changes; press Ctrl-C to stop.");
        loop {
            match saved.recv() {
                Ok(Ok(changes)) => {
                    let source = changes.iter().any(|change| {
                        change
                            .path
                            .extension()
                            .is_some_and(|extension| extension == "rs")
                    });
                    if source {
                        break;
                    }
                }
                Ok(Err(error)) => return Err(Failure::Io(io::Error::other(error))),
                Err(mpsc::RecvError) => return Ok(()),
            }
        }
        println!("\n──── a file changed, checking again ────\n");
    }
}
