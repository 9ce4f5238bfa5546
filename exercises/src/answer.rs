//! What a learner sees under the last hint: the reference solution, as the
//! change it makes to the exercise.
//!
//! The code under the last hint: what the reference solution changes in the
//! exercise as shipped, so the code a learner is shown is the code `verify`
//! checks.

use std::fmt::Write as _;
use std::io;

use crate::catalog::{Exercise, SOLUTIONS, crate_dir};
use crate::shipped;
use similar::{ChangeTag, TextDiff};

/// Lines of context around each change.
const CONTEXT: usize = 2;

/// The change from `exercise` as shipped to its reference solution: each
/// part headed by the line it starts at, its lines marked `-` (as shipped),
/// `+` (the solution) or neither.
pub fn change(exercise: &Exercise) -> io::Result<String> {
    let shipped = shipped::read(&exercise.file)?.text;
    let path = crate_dir().join(SOLUTIONS).join(&exercise.file);
    let solution = std::fs::read_to_string(&path).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("the reference solution, {}: {error}", path.display()),
        )
    })?;
    Ok(render(&shipped, &solution))
}

/// [`change`] of two texts, without the shipped file's `//!` header and the
/// comments the solution does not keep (the solution has none of them).
fn render(shipped: &str, solution: &str) -> String {
    let body: Vec<&str> = shipped
        .lines()
        .skip_while(|line| line.starts_with("//!"))
        .skip_while(|line| line.trim().is_empty())
        .collect();
    let header = shipped.lines().count() - body.len();
    let solution: Vec<&str> = solution.lines().collect();
    let diff = TextDiff::from_slices(&body, &solution);
    let mut out = String::new();
    for group in diff.grouped_ops(CONTEXT) {
        let Some(first) = group.first() else {
            continue;
        };
        let mut lines = Vec::new();
        let mut changes = false;
        for op in &group {
            for change in diff.iter_changes(op) {
                let mark = match change.tag() {
                    ChangeTag::Delete if change.value().trim_start().starts_with("//") => {
                        continue;
                    }
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                };
                changes |= mark != ' ';
                let line = format!("  {mark} {}", change.value());
                lines.push(line.trim_end().to_owned());
            }
        }
        if !changes {
            continue;
        }
        // Without the blank lines at either end: a line that is not blank
        // starts with its mark's indent, never with a line break.
        let text = lines.join("\n");
        let shown = text.trim_start_matches('\n');
        let start = header + first.old_range().start + 1 + (text.len() - shown.len());
        let shown = shown.trim_end_matches('\n');
        let _ = writeln!(out, "  At line {start} of the exercise:\n\n{shown}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_change_is_shown_as_code_with_the_line_it_starts_at() {
        let shipped = "//! Exercise: x\n//!\n//! Do it.\n\nuse a;\n\nfn run() {\n    \
                       // TODO: do it\n    todo!()\n}\n";
        let solution = "use a;\n\nfn run() {\n    it();\n}\n";
        assert_eq!(
            render(shipped, solution),
            "  At line 7 of the exercise:\n\n    fn run() {\n  -     todo!()\n  +     it();\n    \
             }\n\n"
        );
    }

    /// Every exercise's answer is a change whose added lines are the
    /// solution's, and which removes no comment; an exercise git can't give
    /// is the learner's, and nothing is asserted about it.
    #[test]
    fn every_exercise_has_an_answer_in_code() {
        for exercise in crate::catalog::load().unwrap() {
            let origin = shipped::read(&exercise.file).unwrap().origin;
            if matches!(origin, shipped::Origin::Checkout(_)) {
                continue;
            }
            let (change, name) = (change(&exercise).unwrap(), &exercise.name);
            let solution =
                std::fs::read_to_string(crate_dir().join(SOLUTIONS).join(&exercise.file));
            let solution = solution.unwrap();
            let mut added = change.lines().filter_map(|line| line.strip_prefix("  + "));
            let mut removed = change.lines().filter_map(|line| line.strip_prefix("  - "));
            assert!(change.contains("\n  + "), "{name}: {change}");
            assert!(
                added.all(|line| solution.lines().any(|own| own == line)),
                "{name}: {change}"
            );
            assert!(
                !removed.any(|line| line.trim_start().starts_with("//")),
                "{name}: {change}"
            );
        }
    }
}
