//! Guards `verify`, `hint` and the tidy test against a learner's edits.
//!
//! The exercises as shipped, as the last commit has them (`git show HEAD:`):
//! what `verify`, `hint` and the tidy test read, so that a learner's work
//! changes none of their results. Where git can't give a file (no `.git`, a
//! file not committed yet), the checkout's is read, and a note says so.

use std::io;
use std::process::Command;
use std::time::Duration;

use crate::catalog::{Exercise, crate_dir};

/// Where `verify` writes the copies for the `shipped` feature to compile;
/// ignored by git.
pub const COPIES: &str = ".shipped";

const GIT_LIMIT: Duration = Duration::from_secs(10);

pub struct Shipped {
    pub text: String,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The last commit, which the checkout's file matches.
    Commit,
    /// The last commit; the checkout's file differs or is missing.
    Differs,
    /// The checkout, because git could not give the file: git's reason.
    Checkout(String),
}

/// The exercise file `file` (under `src/exercises/`) as shipped.
pub fn read(file: &str) -> io::Result<Shipped> {
    let relative = format!("src/exercises/{file}");
    let checkout = std::fs::read_to_string(crate_dir().join(&relative));
    let mut git = Command::new("git");
    git.current_dir(crate_dir())
        .arg("show")
        .arg(format!("HEAD:./{relative}"));
    let why = match proc::run(git, GIT_LIMIT) {
        Ok(finished) if finished.success() => {
            let origin = match checkout {
                Ok(text) if text == finished.stdout => Origin::Commit,
                _ => Origin::Differs,
            };
            return Ok(Shipped {
                text: finished.stdout,
                origin,
            });
        }
        Ok(finished) => {
            let said = finished.stderr.lines().next().unwrap_or_default();
            format!(
                "git: {} ({})",
                said.trim_start_matches("fatal: "),
                finished.exit
            )
        }
        Err(error) => format!("git: {error}"),
    };
    let text = checkout
        .map_err(|error| io::Error::new(error.kind(), format!("exercises/{relative}: {error}")))?;
    Ok(Shipped {
        text,
        origin: Origin::Checkout(why),
    })
}

/// Writes every exercise as shipped into [`COPIES`], and says where any of
/// them did not come from the last commit.
pub fn write_copies(exercises: &[Exercise]) -> io::Result<Vec<String>> {
    let dir = crate_dir().join(COPIES);
    match std::fs::remove_dir_all(&dir) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => std::fs::create_dir_all(&dir)?,
    }
    let mut origins = Vec::new();
    for exercise in exercises {
        let shipped = read(&exercise.file)?;
        std::fs::write(dir.join(&exercise.file), &shipped.text)?;
        origins.push((exercise.file.as_str(), shipped.origin));
    }
    Ok(notes(&origins))
}

fn notes(origins: &[(&str, Origin)]) -> Vec<String> {
    let mut notes = Vec::new();
    let differ: Vec<&str> = origins
        .iter()
        .filter_map(|(file, origin)| match origin {
            Origin::Differs => Some(*file),
            _ => None,
        })
        .collect();
    if !differ.is_empty() {
        notes.push(format!(
            "exercises/src/exercises/ differs from the last commit in {}: the committed files \
             are checked, not these (commit a change to an exercise to check it)",
            differ.join(", ")
        ));
    }
    let (from_checkout, whys): (Vec<&str>, Vec<&String>) = origins
        .iter()
        .filter_map(|(file, origin)| match origin {
            Origin::Checkout(why) => Some((*file, why)),
            _ => None,
        })
        .unzip();
    // The first file's reason stands for them all.
    if let Some(why) = whys.first() {
        notes.push(format!(
            "exercises/src/exercises/{{{}}} read as the checkout has them, not from the last \
             commit ({why}): a learner's changes there are checked too",
            from_checkout.join(", ")
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notes_name_the_files_that_differ_and_why_git_could_not_help() {
        assert_eq!(notes(&[("01_a.rs", Origin::Commit)]), Vec::<String>::new());
        let no_head = || Origin::Checkout("git: no HEAD".to_owned());
        let all = [
            ("02_b.rs", Origin::Differs),
            ("03_c.rs", no_head()),
            ("04_d.rs", no_head()),
        ];
        assert_eq!(
            notes(&all),
            [
                "exercises/src/exercises/ differs from the last commit in 02_b.rs: the committed \
                 files are checked, not these (commit a change to an exercise to check it)",
                "exercises/src/exercises/{03_c.rs, 04_d.rs} read as the checkout has them, not \
                 from the last commit (git: no HEAD): a learner's changes there are checked too"
            ]
        );
    }

    #[test]
    fn an_exercise_is_read_from_the_last_commit_when_there_is_one() {
        let mut git = Command::new("git");
        git.current_dir(crate_dir());
        git.args(["cat-file", "-e", "HEAD:./src/exercises/01_hello_sleep.rs"]);
        let committed = proc::run(git, GIT_LIMIT).is_ok_and(|finished| finished.success());
        let origin = read("01_hello_sleep.rs").unwrap().origin;
        assert_eq!(
            committed,
            !matches!(origin, Origin::Checkout(_)),
            "{origin:?}"
        );
    }
}
