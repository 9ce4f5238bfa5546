//! The book's "Exercises" part: one page that lists the exercise track in
//! order, each exercise with what it asks (the first paragraph after the
//! title of its file's `//!` header) and a link to the example that shows
//! it. The list itself is the exercises crate's catalog, so the page cannot
//! name an exercise the checker does not know.

use std::fmt::Write as _;

use exercises::EXERCISES;
use exercises::shipped::Shipped;

use crate::Error;

/// The page, `docs/src/exercises.md`, after the generated-file marker, from
/// the exercises as shipped (`shipped`, in the catalog's order; see
/// [`exercises::shipped`]): a learner's work changes nothing here.
pub fn page(shipped: &[(&str, Shipped)]) -> Result<String, Error> {
    let mut text = String::from(
        "# Exercises\n\n\
         The exercise track in `exercises/` is the other half of the examples: small \
         programs to finish, checked on Tokio's paused clock, so what they print *and when* \
         is part of the answer. Start it with\n\n\
         ```sh\ncargo run --bin exercises\n```\n\n\
         and see the README's \"Exercises\" section for a walk through one exercise. Each \
         exercise below links to the example that shows how; `cargo run --bin exercises -- hint \
         <name>` gives a nudge first, then the API to use, then the answer, one each time you \
         run it. The reference solutions are in the hidden directory `exercises/.solutions/`, \
         for after you have tried.\n\n\
         | # | Exercise | What it asks | The example that shows how |\n\
         | --- | --- | --- | --- |\n",
    );
    for (index, (exercise, (file, shipped))) in EXERCISES.iter().zip(shipped).enumerate() {
        let asks = task(&shipped.text).ok_or_else(|| {
            format!(
                "exercises/src/exercises/{file}: the `//!` header has no paragraph after its title"
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
