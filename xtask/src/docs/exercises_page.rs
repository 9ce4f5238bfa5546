//! The book's "Exercises" page: each exercise of `exercises/catalog.toml`, in
//! order, with what it asks (its file's `//!` header as the last commit has
//! it, so a learner's work changes no page) and the example that shows how.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::Deserialize;

use super::{concepts, read};
use crate::Error;
use crate::prose::{self, Prose};

/// An exercise of the track, as the book reads it.
#[derive(Deserialize)]
pub(super) struct Exercise {
    pub name: String,
    /// The example that shows how, as `section/example`.
    pub example: String,
    /// `NN_<name>.rs`, by its place in the catalog.
    #[serde(skip)]
    file: String,
    /// The exercise's file as shipped.
    #[serde(skip)]
    shipped: String,
}

#[derive(Deserialize)]
struct Catalog {
    exercise: Vec<Exercise>,
}

/// The track, and notes on the files not read from the last commit.
pub(super) fn track(root: &Path) -> Result<(Vec<Exercise>, Vec<String>), Error> {
    let path = root.join("exercises/catalog.toml");
    let catalog: Catalog =
        toml::from_str(&read(&path)?).map_err(|error| format!("{}: {error}", path.display()))?;
    let (mut notes, mut differ, mut unread) = (Vec::new(), Vec::new(), Vec::new());
    let mut exercises = catalog.exercise;
    for (index, exercise) in exercises.iter_mut().enumerate() {
        exercise.file = format!("{:02}_{}.rs", index + 1, exercise.name);
        let relative = format!("exercises/src/exercises/{}", exercise.file);
        let mut git = Command::new("git");
        git.current_dir(root)
            .args(["show", &format!("HEAD:{relative}")]);
        exercise.shipped = match proc::run(git, Duration::from_secs(10)) {
            Ok(shown) if shown.success() => {
                if std::fs::read_to_string(root.join(&relative)).ok() != Some(shown.stdout.clone())
                {
                    differ.push(exercise.file.clone());
                }
                shown.stdout
            }
            shown => {
                let why = shown.map_or_else(|e| e.to_string(), |shown| shown.stderr);
                unread.push((exercise.file.clone(), why.trim().to_owned()));
                read(&root.join(&relative))?
            }
        };
    }
    if !differ.is_empty() {
        notes.push(format!(
            "exercises/src/exercises/ differs from the last commit in {}: the book shows the \
             committed files (commit a change to an exercise to show it)",
            differ.join(", ")
        ));
    }
    if let Some((_, why)) = unread.first() {
        let files: Vec<&str> = unread.iter().map(|(file, _)| file.as_str()).collect();
        notes.push(format!(
            "exercises/src/exercises/{{{}}} read from the checkout, not the last commit (git: {why})",
            files.join(", ")
        ));
    }
    Ok((exercises, notes))
}

/// Each exercise as [`concepts::untaught`] reads it: as shipped, and its
/// reference solution.
pub(super) fn codes<'a>(
    root: &Path,
    exercises: &'a [Exercise],
) -> Result<Vec<concepts::ExerciseCode<'a>>, Error> {
    exercises
        .iter()
        .map(|exercise| {
            let solution = read(&root.join("exercises/.solutions").join(&exercise.file))?;
            Ok(concepts::ExerciseCode {
                name: &exercise.name,
                example: &exercise.example,
                points_here: exercise.shipped.contains("The Rust you need"),
                shipped: concepts::code(&exercise.shipped),
                solution: concepts::code(&solution),
            })
        })
        .collect()
}

/// The page, `docs/src/exercises.md`, after the generated-file marker.
pub(super) fn page(exercises: &[Exercise]) -> Result<String, Error> {
    let prose = Prose::of(prose::INDEXES)?;
    let mut text = prose.render("exercises", &[])?;
    text.push_str(
        "\n\n| # | Exercise | What it asks | The example that shows how |\n\
         | --- | --- | --- | --- |\n",
    );
    for (index, exercise) in exercises.iter().enumerate() {
        let asks = task(&exercise.shipped).ok_or_else(|| {
            format!(
                "exercises/src/exercises/{}: the `//!` header has no paragraph after its title",
                exercise.file
            )
        })?;
        let _ = writeln!(
            text,
            "| {} | `{}` | {} | [{}]({}.md) |",
            index + 1,
            exercise.name,
            asks.replace('|', "\\|"),
            exercise.example,
            exercise.example
        );
    }
    Ok(text)
}

/// The first paragraph after the title line of a `//!` header, on one line.
fn task(source: &str) -> Option<String> {
    let header: Vec<&str> = source
        .lines()
        .map_while(|line| line.strip_prefix("//!"))
        .map(str::trim)
        .collect();
    let mut paragraphs = header.split(|line| line.is_empty());
    paragraphs.next()?;
    let paragraph = paragraphs.find(|paragraph| !paragraph.is_empty())?;
    // The header goes on to show the expected output; the table does not.
    let text = paragraph.join(" ");
    Some(match text.strip_suffix(':') {
        Some(sentence) => format!("{sentence}."),
        None => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_is_the_paragraph_after_the_title() {
        let source =
            "//! Exercise: x\n//!\n//! Do this\n//! and that:\n//!\n//! More.\n\nfn f() {}\n";
        assert_eq!(task(source).as_deref(), Some("Do this and that."));
        assert_eq!(task("//! Only a title\n"), None);
    }
}
