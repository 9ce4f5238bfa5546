//! The last hint's code: what the reference solution changes in the
//! exercise as shipped, as a diff, so the answer is shown as code and is
//! the code `verify` checks, never a copy of it.

use std::fmt::Write as _;
use std::io;

use exercises::{Exercise, SOLUTIONS, crate_dir, shipped};
use similar::{ChangeTag, TextDiff};

/// Lines of context around each change.
const CONTEXT: usize = 2;

/// The change from `exercise` as shipped to its reference solution, ready
/// to print under the hint: each part headed by the line of the exercise
/// as shipped it starts at, its lines marked `-` (as shipped), `+` (the
/// solution) or neither (the same in both).
pub fn change(exercise: &Exercise) -> io::Result<String> {
    let shipped = shipped::read(exercise.file)?.text;
    let path = crate_dir().join(SOLUTIONS).join(exercise.file);
    let solution = std::fs::read_to_string(&path).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("the reference solution, {}: {error}", path.display()),
        )
    })?;
    Ok(render(&shipped, &solution))
}

/// [`change`] of two texts. The solution has no `//!` header: the
/// shipped file's, and the blank lines after it, are left out, and so is
/// any other comment of the shipped file that the solution does not keep.
fn render(shipped: &str, solution: &str) -> String {
    let header = shipped
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .count();
    let header = header
        + shipped
            .lines()
            .skip(header)
            .take_while(|line| line.trim().is_empty())
            .count();
    let body: Vec<&str> = shipped.lines().skip(header).collect();
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
                    // A comment of the exercise the solution lacks (a
                    // `TODO`, a doc comment) is the learner's to keep.
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
        // Blank lines of context at either end show nothing; the hunk
        // starts at its first line with text.
        let mut start = header + first.old_range().start + 1;
        while lines.first().is_some_and(String::is_empty) {
            lines.remove(0);
            start += 1;
        }
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        let _ = writeln!(out, "  At line {start} of the exercise:\n");
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
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

    /// Every exercise's answer is a change, and each line the solution adds
    /// is one of its lines; no comment of the exercise shows as removed.
    /// Where git can't give an exercise as shipped, it is read from the
    /// checkout, which is the learner's: nothing is asserted about it.
    #[test]
    fn every_exercise_has_an_answer_in_code() {
        for exercise in exercises::EXERCISES {
            let origin = shipped::read(exercise.file).expect("the exercise").origin;
            let change = change(exercise).expect("the change");
            if matches!(origin, shipped::Origin::Checkout(_)) {
                continue;
            }
            let path = crate_dir().join(SOLUTIONS).join(exercise.file);
            let solution = std::fs::read_to_string(path).expect("the solution");
            let added: Vec<&str> = change
                .lines()
                .filter_map(|line| line.strip_prefix("  + "))
                .collect();
            assert!(!added.is_empty(), "{}: {change}", exercise.name);
            assert!(
                !change.lines().any(
                    |line| line.starts_with("  - ") && line[4..].trim_start().starts_with("//")
                ),
                "{}: {change}",
                exercise.name
            );
            for line in added {
                assert!(
                    solution.lines().any(|own| own == line),
                    "{}: {line}",
                    exercise.name
                );
            }
        }
    }
}
