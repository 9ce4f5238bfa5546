//! The exercises as shipped, which no learner's work changes.
//!
//! A learner edits the exercise files in `src/exercises/`, so what checks
//! the exercises themselves (`verify`, the lints of the exercises, the
//! book's page of exercises) reads each file as the last commit has it,
//! `git show HEAD:<file>`: in a clone that is the file as shipped, however
//! far the learner has got, and a contributor's change to an exercise is
//! checked once it is committed. Where git can't give it (git missing, a
//! copy without `.git` such as a downloaded archive, an exercise not
//! committed yet), the file is read as it is in the checkout, and
//! [`notes`] says so. `cargo test --workspace` needs none of this: nothing
//! it runs reads an exercise file (see the crate's tests).

use std::io;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::{EXERCISES, crate_dir};

/// Where [`write_copies`] puts them, under the crate's directory, for the
/// `shipped` feature to compile (see [`exercise!`](crate::exercise)).
/// Ignored by git; written again by every `verify`.
pub const COPIES: &str = ".shipped";

/// How long one `git show` may take.
const GIT_LIMIT: Duration = Duration::from_secs(10);

/// An exercise file as shipped.
pub struct Shipped {
    pub text: String,
    pub origin: Origin,
}

/// Where [`Shipped::text`] was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The last commit, and the checkout's file is the same.
    Commit,
    /// The last commit; the checkout's file differs from it (a learner's
    /// work, or a change not committed yet) or is missing.
    CommitNotCheckout,
    /// The checkout, because git could not give the file: git's reason.
    Checkout(String),
}

/// The exercise file `file` (its name under `src/exercises/`) as shipped.
pub fn read(file: &str) -> io::Result<Shipped> {
    let relative = format!("src/exercises/{file}");
    let checkout = std::fs::read_to_string(crate_dir().join(&relative));
    match committed(&relative) {
        Ok(text) => {
            let origin = match &checkout {
                Ok(checkout) if *checkout == text => Origin::Commit,
                _ => Origin::CommitNotCheckout,
            };
            Ok(Shipped { text, origin })
        }
        Err(why) => {
            let text = checkout.map_err(|error| {
                io::Error::new(error.kind(), format!("exercises/{relative}: {error}"))
            })?;
            Ok(Shipped {
                text,
                origin: Origin::Checkout(why),
            })
        }
    }
}

/// `HEAD:exercises/<relative>`, or why git can't give it.
fn committed(relative: &str) -> Result<String, String> {
    let mut git = Command::new("git");
    git.current_dir(crate_dir())
        .arg("show")
        .arg(format!("HEAD:./{relative}"));
    let finished = proc::run(git, GIT_LIMIT).map_err(|error| format!("git: {error}"))?;
    if finished.success() {
        return Ok(finished.stdout);
    }
    let said = finished.stderr.lines().next().unwrap_or_default();
    let said = said.strip_prefix("fatal: ").unwrap_or(said);
    Err(format!("git: {said} ({})", finished.exit))
}

/// Every exercise as shipped, in the catalog's order, with its file name.
pub fn read_all() -> io::Result<Vec<(&'static str, Shipped)>> {
    EXERCISES
        .iter()
        .map(|exercise| Ok((exercise.file, read(exercise.file)?)))
        .collect()
}

/// What a reader of the checks needs to know about where `all` came from:
/// nothing when every file came from the last commit and matches the
/// checkout.
pub fn notes(all: &[(&str, Shipped)]) -> Vec<String> {
    let mut notes = Vec::new();
    let differ: Vec<&str> = all
        .iter()
        .filter(|(_, shipped)| shipped.origin == Origin::CommitNotCheckout)
        .map(|(file, _)| *file)
        .collect();
    if !differ.is_empty() {
        notes.push(format!(
            "exercises/src/exercises/ differs from the last commit in {}: the committed files \
             are checked, not these (commit a change to an exercise to check it)",
            differ.join(", ")
        ));
    }
    let mut from_checkout: Vec<(&str, Vec<&str>)> = Vec::new();
    for (file, shipped) in all {
        if let Origin::Checkout(why) = &shipped.origin {
            match from_checkout.iter_mut().find(|(said, _)| said == why) {
                Some((_, files)) => files.push(file),
                None => from_checkout.push((why, vec![file])),
            }
        }
    }
    for (why, files) in from_checkout {
        let which = if files.len() == all.len() {
            "every file in exercises/src/exercises/ is".to_owned()
        } else if let [file] = files.as_slice() {
            format!("exercises/src/exercises/{file} is")
        } else {
            format!("exercises/src/exercises/{{{}}} are", files.join(", "))
        };
        notes.push(format!(
            "{which} read as it is in this checkout, not from the last commit ({why}): \
             a learner's changes there are checked too"
        ));
    }
    notes
}

/// Writes every exercise as shipped into [`COPIES`], for the `shipped`
/// feature to compile, and returns the [`notes`] on where they came from.
pub fn write_copies() -> io::Result<Vec<String>> {
    let all = read_all()?;
    let dir = copies_dir();
    match std::fs::remove_dir_all(&dir) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    std::fs::create_dir_all(&dir)?;
    for (file, shipped) in &all {
        std::fs::write(dir.join(file), &shipped.text)?;
    }
    Ok(notes(&all))
}

/// The directory [`write_copies`] writes.
pub fn copies_dir() -> PathBuf {
    crate_dir().join(COPIES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(origin: Origin) -> Shipped {
        Shipped {
            text: String::new(),
            origin,
        }
    }

    #[test]
    fn the_notes_name_the_files_that_differ_and_why_git_could_not_help() {
        assert!(notes(&[("01_a.rs", shipped(Origin::Commit))]).is_empty());
        let all = [
            ("01_a.rs", shipped(Origin::Commit)),
            ("02_b.rs", shipped(Origin::CommitNotCheckout)),
            (
                "03_c.rs",
                shipped(Origin::Checkout("git: no HEAD".to_owned())),
            ),
            (
                "04_d.rs",
                shipped(Origin::Checkout("git: no HEAD".to_owned())),
            ),
        ];
        let said = notes(&all);
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(
            said[0]
                .starts_with("exercises/src/exercises/ differs from the last commit in 02_b.rs:"),
            "{said:?}"
        );
        assert!(
            said[1].starts_with("exercises/src/exercises/{03_c.rs, 04_d.rs} are read as it is"),
            "{said:?}"
        );
        assert!(said[1].contains("(git: no HEAD)"), "{said:?}");
        let none = [
            (
                "01_a.rs",
                shipped(Origin::Checkout("git: not found".to_owned())),
            ),
            (
                "02_b.rs",
                shipped(Origin::Checkout("git: not found".to_owned())),
            ),
        ];
        assert!(notes(&none)[0].starts_with("every file in exercises/src/exercises/ is read"));
    }

    /// Whatever the learner has done to an exercise, it is read as the
    /// last commit has it, when there is one.
    #[test]
    fn an_exercise_is_read_from_the_last_commit() {
        let file = EXERCISES[0].file;
        let shipped = read(file).expect("the first exercise");
        let mut git = Command::new("git");
        git.current_dir(crate_dir())
            .args(["cat-file", "-e"])
            .arg(format!("HEAD:./src/exercises/{file}"));
        let committed = proc::run(git, GIT_LIMIT).is_ok_and(|finished| finished.success());
        if committed {
            assert!(
                matches!(shipped.origin, Origin::Commit | Origin::CommitNotCheckout),
                "{:?}",
                shipped.origin
            );
        } else {
            assert!(matches!(shipped.origin, Origin::Checkout(_)));
        }
        assert!(
            shipped.text.starts_with("//! Exercise: "),
            "{}",
            shipped.text
        );
    }
}
