//! What a learner sees of a twin in the book, and where each twin lives.
//!
//! An asyncio twin's file, `crates/<section>/python/<example>.py`: where it
//! lives, and the line by which it says it cannot print what its example
//! prints. [`twins`](crate::twins) runs the twins; the book links each
//! example page to its twin, quotes that line in its prose and shows the
//! twin without the lines written for the project's maintainers
//! ([`for_the_book`]).

use std::path::{Path, PathBuf};

/// The line by which a twin says it cannot print what the example prints.
pub const DIFFERS: &str = "# differs from the golden file: ";

/// The line by which a twin says it waits for another process (a child, a
/// signal), which a fast-forwarded loop would not wait for: it runs on the
/// real clock, as the twins of HTTP examples do.
pub const REAL_CLOCK: &str = "# runs on the real clock: ";

/// Whether a twin declares that it runs on the real clock.
pub fn on_the_real_clock(source: &str) -> bool {
    source
        .lines()
        .any(|line| line.trim_start().starts_with(REAL_CLOCK))
}

/// Where the twins of a section live.
pub fn dir(root: &Path, section: &str) -> PathBuf {
    root.join("crates").join(section).join("python")
}

/// Where the twin of an example lives.
pub fn path(root: &Path, section: &str, example: &str) -> PathBuf {
    dir(root, section).join(format!("{example}.py"))
}

/// The sentence that opens a paragraph of a twin's docstring to name the
/// example it is the twin of: `The asyncio twin of crates/<section>/src/<example>.rs.`
const NAMES_ITS_EXAMPLE: &str = "The asyncio twin of crates/";

/// Whether `path` is where a twin lives: a `.py` file in a `python` folder
/// of a crate under `crates/`. (The bridge's asyncio programs live there
/// too; they have neither line [`for_the_book`] leaves out.)
pub fn is_twin(path: &Path) -> bool {
    let mut folders = path.components().rev().skip(1).map(|c| c.as_os_str());
    path.extension().is_some_and(|extension| extension == "py")
        && folders.next().is_some_and(|folder| folder == "python")
        && folders.nth(1).is_some_and(|folder| folder == "crates")
}

/// A twin as the book shows it, under prose that already says what these
/// lines tell the project's maintainers: without the [`DIFFERS`] line, and
/// without the sentence of its docstring that names the example it is the
/// twin of. A paragraph that sentence leaves with more words is wrapped
/// again; a blank line, or a docstring, that either leaves empty goes too.
pub fn for_the_book(source: &str) -> String {
    let input: Vec<&str> = source.lines().collect();
    let is_blank = |line: &str| line.trim().is_empty();
    let is_quotes = |line: &str| line.trim() == "\"\"\"";
    let mut lines: Vec<String> = Vec::with_capacity(input.len());
    let mut at = 0;
    while at < input.len() {
        let line = input[at];
        if [DIFFERS, REAL_CLOCK]
            .iter()
            .any(|marker| line.trim_start().starts_with(marker))
        {
            at += 1;
            let blank_before = lines.last().is_none_or(|line| is_blank(line));
            if blank_before && input.get(at).is_some_and(|line| is_blank(line)) {
                at += 1;
            }
            continue;
        }
        let Some(rest) = names_its_example(line) else {
            lines.push(line.to_owned());
            at += 1;
            continue;
        };
        // The paragraph runs to a blank line or to the docstring's end.
        let end = (at + 1..input.len())
            .find(|&next| is_blank(input[next]) || is_quotes(input[next]))
            .unwrap_or(input.len());
        let paragraph = &input[at..end];
        at = end;
        let rewrapped = rewrapped(rest, paragraph);
        if rewrapped.is_empty() {
            at = close_emptied(&mut lines, &input, at);
        }
        lines.extend(rewrapped);
    }
    let mut text = lines.join("\n");
    if source.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// `paragraph` with `rest` for its first line, wrapped again to its width;
/// nothing if no word is left.
fn rewrapped(rest: &str, paragraph: &[&str]) -> Vec<String> {
    let words: Vec<&str> = std::iter::once(rest)
        .chain(paragraph[1..].iter().copied())
        .flat_map(str::split_whitespace)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let line = paragraph[0];
    let indent = &line[..line.len() - line.trim_start().len()];
    let width = paragraph
        .iter()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0);
    wrap(&words, indent, width)
}

/// After a paragraph that left no word, before `input[at]`: drops the blank
/// line before it, and a docstring left empty, or closes one left with one
/// line; where to go on reading `input`.
fn close_emptied(lines: &mut Vec<String>, input: &[&str], mut at: usize) -> usize {
    let is_blank = |line: &str| line.trim().is_empty();
    let is_quotes = |line: &str| line.trim() == "\"\"\"";
    if lines.last().is_some_and(|line| is_blank(line)) {
        lines.pop();
    }
    let closes = input.get(at).is_some_and(|line| is_quotes(line));
    match lines.last_mut() {
        // Nothing is left between the quotes: no docstring, and no
        // blank line after it.
        Some(opening) if closes && is_quotes(opening) => {
            lines.pop();
            at += 1;
            if lines.is_empty() && input.get(at).is_some_and(|line| is_blank(line)) {
                at += 1;
            }
        }
        // One line is left: its quotes close on it.
        Some(opening) if closes && opening.trim_start().starts_with("\"\"\"") => {
            opening.push_str("\"\"\"");
            at += 1;
        }
        _ => {}
    }
    at
}

/// What follows the sentence naming the twin's example, if `line` opens
/// with it.
fn names_its_example(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix(NAMES_ITS_EXAMPLE)?;
    let end = rest.find(".rs.")? + ".rs.".len();
    if rest[..end].contains(char::is_whitespace) {
        return None;
    }
    Some(&rest[end..])
}

/// `words` in lines of at most `width` characters where they fit, each
/// starting with `indent`.
fn wrap(words: &[&str], indent: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::from(indent);
    for word in words {
        if line.len() > indent.len() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::replace(&mut line, String::from(indent)));
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// Why a twin declares that it differs, if it does.
pub fn declared_difference(source: &str) -> Option<&str> {
    for line in source.lines() {
        if let Some(reason) = line.trim_start().strip_prefix(DIFFERS)
            && !reason.trim().is_empty()
        {
            return Some(reason.trim());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_book_shows_a_twin_without_the_lines_for_maintainers() {
        // The sentence is a paragraph of its own, and the difference is
        // declared between blank lines.
        let twin = format!(
            "\"\"\"Awaitables.\n\nThe asyncio twin of crates/basics/src/awaitables.rs.\n\"\"\"\n\n\
             {DIFFERS}None is ()\n\nimport asyncio\n"
        );
        assert_eq!(
            for_the_book(&twin),
            "\"\"\"Awaitables.\"\"\"\n\nimport asyncio\n"
        );
        // A summary of two lines keeps its closing quotes on a line of
        // their own; the difference declared right under the docstring
        // leaves its blank line.
        let twin = format!(
            "\"\"\"One\ntwo.\n\nThe asyncio twin of crates/a/src/b.rs.\n\"\"\"\n{DIFFERS}x\n\nimport asyncio"
        );
        assert_eq!(
            for_the_book(&twin),
            "\"\"\"One\ntwo.\n\"\"\"\n\nimport asyncio"
        );
        // More words in the sentence's paragraph are wrapped again, as wide
        // as the paragraph was.
        let twin = "\"\"\"Queues.\n\nThe asyncio twin of crates/patterns/src/queue_join.rs. The delays\n\
                    are the ones the Rust draws, listed in full.\n\"\"\"\n";
        assert_eq!(
            for_the_book(twin),
            "\"\"\"Queues.\n\nThe delays are the ones the Rust draws, listed in full.\n\"\"\"\n"
        );
        // A docstring left empty goes, with the blank line after it.
        let twin = "\"\"\"\nThe asyncio twin of crates/a/src/b.rs.\n\"\"\"\n\nimport asyncio\n";
        assert_eq!(for_the_book(twin), "import asyncio\n");
        // Anything else is left as it is: the sentence elsewhere in a line,
        // a program without either line.
        let other = "\"\"\"See The asyncio twin of crates/a/src/b.rs.\"\"\"\n\nimport asyncio\n";
        assert_eq!(for_the_book(other), other);
    }

    #[test]
    fn a_twin_lives_in_a_python_folder_of_a_crate() {
        assert!(is_twin(Path::new(
            "../../../crates/basics/python/awaitables.py"
        )));
        assert!(is_twin(&path(Path::new("/w"), "io", "tcp_echo")));
        assert!(!is_twin(Path::new(
            "../../../crates/basics/src/awaitables.rs"
        )));
        assert!(!is_twin(Path::new("../../../bench/python/awaitables.py")));
    }

    #[test]
    fn a_twin_declares_its_difference_on_a_line_of_its_own() {
        let source = format!("import asyncio\n{DIFFERS}Rust prints the type\n");
        assert_eq!(declared_difference(&source), Some("Rust prints the type"));
        assert_eq!(declared_difference("import asyncio\n"), None);
        assert_eq!(declared_difference(&format!("{DIFFERS}   \n")), None);
    }
}
