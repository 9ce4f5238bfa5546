//! `docs --check`'s drift check: a page that says in backticks that an
//! example uses a Rust name (a seed-map note, an errata row, a cheat-sheet
//! cell) must point at an example whose code has it, so that a page restating
//! an example cannot outlive a change to it.
//!
//! A name in backticks is an identifier when it is one Rust name or path,
//! maybe called with no arguments or as a macro: `OnceCell`, `notify_one`,
//! `Semaphore::acquire_owned`, `recv()`, `join!`, `notified().await`.
//! Anything else is an expression or a quote and is not checked: arguments,
//! a space, a dot, generics (`timeout(d, rx.recv())`, `queue.join()`,
//! `Result<T, E>`), and a name in capitals (`HALF_OPEN`, `T`). The name looked
//! for is the path's last, as a word of the example's code (its tokens,
//! without comments and strings); a type that code gets without naming it
//! counts where the code calls what returns it ([`INFERRED`]).
//!
//! Where: the cheat sheet's "Rust" and "Tokio" columns and the errata's "What
//! the Rust does", against the examples their row links; the seed map's
//! notes, against the example each maps. A name the guide's Python uses is
//! a quote, not a claim: one the row's Python column also gives, and one
//! marked by the words before it, "the guide's `add_async`", "Python's
//! `finally`" (with the names listed after it). A name that is a link's whole text
//! (``[`rayon`](https://docs.rs/rayon)``) speaks of the page it links.

use std::collections::{BTreeMap, BTreeSet};

use super::seed_map::Mapping;

/// The code of each example and bridge lesson, by `section/example`.
pub(super) type Examples = BTreeMap<String, Code>;

/// What the check knows of an example's Rust code.
#[derive(Debug, Default)]
pub(super) struct Code {
    /// Its identifiers: the runs of letters, digits and `_` of its
    /// [`code`](super::concepts::code).
    words: BTreeSet<String>,
}

impl Code {
    /// `code` is an example's [`code`](super::concepts::code).
    pub(super) fn of(code: &str) -> Code {
        let words = code
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| is_name(word))
            .map(str::to_owned)
            .collect();
        Code { words }
    }
}

/// Types that code receives without naming them, and what returns each: an
/// example that calls it has the type.
const INFERRED: [(&str, &str); 2] = [
    // Code awaits or aborts what `spawn` returns without writing its type.
    ("JoinHandle", "spawn"),
    // `timeout`'s error, which code matches as `Err(_)`.
    ("Elapsed", "timeout"),
];

/// What a name in backticks says an example has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Identifier<'a> {
    /// A function, method or macro: written wherever it is used.
    Function(&'a str),
    /// A type, trait or variant: a capitalised name.
    Type(&'a str),
}

impl<'a> Identifier<'a> {
    /// The identifier `span` (the text between backticks) is, if it is one.
    fn parse(span: &'a str) -> Option<Self> {
        let mut path = span;
        for suffix in ["().await", "()", "!"] {
            if let Some(stripped) = span.strip_suffix(suffix) {
                path = stripped;
                break;
            }
        }
        let mut last = None;
        for segment in path.split("::") {
            if !is_name(segment) {
                return None;
            }
            last = Some(segment);
        }
        let last = last?;
        if !last.starts_with(|c: char| c.is_ascii_uppercase()) {
            return Some(Identifier::Function(last));
        }
        if last.contains(|c: char| c.is_ascii_lowercase()) {
            return Some(Identifier::Type(last));
        }
        None
    }

    fn name(self) -> &'a str {
        match self {
            Identifier::Function(name) | Identifier::Type(name) => name,
        }
    }
}

/// A Rust name: a letter or `_`, then letters, digits and `_`.
fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `code` has `identifier`.
fn has(code: &Code, identifier: Identifier<'_>) -> bool {
    let code = &code.words;
    if code.contains(identifier.name()) {
        return true;
    }
    let Identifier::Type(name) = identifier else {
        return false;
    };
    for (inferred, returned_by) in INFERRED {
        if inferred == name && code.contains(returned_by) {
            return true;
        }
    }
    false
}

/// The words before a name that mark it as the guide's: "the guide's
/// `add_async`", "Python's `finally`".
const QUOTE_MARKS: [&str; 2] = ["guide's ", "Python's "];

/// What joins the names of a list: the guide's `a`, `b` and `c` are all its.
const LIST_JOINS: [&str; 5] = [", ", " and ", ", and ", " or ", ", or "];

/// A name in backticks that says an example has it.
struct Claim<'a> {
    /// The text between the backticks.
    span: &'a str,
    identifier: Identifier<'a>,
}

/// The identifiers in backticks in `text`, but those that are a link's
/// whole text or marked as the guide's ([`QUOTE_MARKS`]).
fn claims(text: &str) -> Vec<Claim<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    // Where the last name marked as the guide's ended, if the last was.
    let mut quote_ended = None;
    while let Some(open) = text[from..].find('`').map(|at| from + at) {
        let Some(close) = text[open + 1..].find('`').map(|at| open + 1 + at) else {
            break;
        };
        let span = &text[open + 1..close];
        let before = &text[..open];
        let quote = QUOTE_MARKS.iter().any(|mark| before.ends_with(mark))
            || quote_ended.is_some_and(|end| LIST_JOINS.contains(&&text[end..open]));
        from = close + 1;
        if quote {
            quote_ended = Some(from);
            continue;
        }
        quote_ended = None;
        if before.ends_with('[') && text[from..].starts_with("](") {
            continue;
        }
        if let Some(identifier) = Identifier::parse(span) {
            found.push(Claim { span, identifier });
        }
    }
    found
}

/// The hand-written pages under `docs/src` whose tables [`page`] checks.
pub(super) const PAGES: [&str; 2] = ["cheatsheet.md", "guides-errata.md"];

/// What a table's column holds, by its header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    /// What the Rust does or uses: the claims.
    Rust,
    /// What the guide's Python does: quotes of its names.
    Python,
    Other,
}

impl Column {
    fn of(header: &str) -> Column {
        match header {
            "Rust" | "Tokio" | "What the Rust does" => Column::Rust,
            "asyncio" | "Python" | "What Python does" | "Never called" | "Never defined" => {
                Column::Python
            }
            _ => Column::Other,
        }
    }
}

/// The cells of a Markdown table row, between its pipes; `\|` stays in
/// its cell.
fn cells(row: &str) -> Vec<&str> {
    let row = row.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let row = row.strip_suffix('|').unwrap_or(row);
    let mut cells = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (at, c) in row.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '|' {
            cells.push(row[start..at].trim());
            start = at + 1;
        }
    }
    cells.push(row[start..].trim());
    cells
}

/// An example a row links.
struct Linked<'a> {
    /// `section/example`.
    key: &'a str,
    code: &'a Code,
}

/// The examples `text` links (`section/example.md`, maybe with an anchor).
fn linked<'a>(text: &str, examples: &'a Examples) -> Vec<Linked<'a>> {
    let mut found: Vec<Linked<'a>> = Vec::new();
    for (at, _) in text.match_indices("](") {
        let target = &text[at + 2..];
        let end = target.find([')', '#']).unwrap_or(target.len());
        let Some(key) = target[..end].strip_suffix(".md") else {
            continue;
        };
        if let Some((key, code)) = examples.get_key_value(key)
            && !found.iter().any(|known| known.key == key)
        {
            found.push(Linked { key, code });
        }
    }
    found
}

/// Each name the Rust column of a table row on `page` gives that none of
/// the examples the row links has, a line each.
pub(super) fn page(page: &str, text: &str, examples: &Examples) -> Vec<String> {
    let mut problems = Vec::new();
    let mut columns: Option<Vec<Column>> = None;
    for (index, line) in text.lines().enumerate() {
        if !line.trim_start().starts_with('|') {
            columns = None;
            continue;
        }
        let row = cells(line);
        let Some(kinds) = &columns else {
            columns = Some(row.iter().map(|header| Column::of(header)).collect());
            continue;
        };
        let linked = linked(line, examples);
        if linked.is_empty() {
            continue;
        }
        let mut quoted = BTreeSet::new();
        let mut claimed = Vec::new();
        for (cell, kind) in row.iter().zip(kinds) {
            match kind {
                Column::Rust => claimed.extend(claims(cell)),
                Column::Python => quoted.extend(
                    claims(cell)
                        .into_iter()
                        .map(|claim| claim.identifier.name()),
                ),
                Column::Other => {}
            }
        }
        for claim in claimed {
            if quoted.contains(claim.identifier.name()) {
                continue;
            }
            if linked
                .iter()
                .any(|example| has(example.code, claim.identifier))
            {
                continue;
            }
            let names: Vec<&str> = linked.iter().map(|example| example.key).collect();
            problems.push(format!(
                "docs/src/{page}:{}: `{}` is in the code of no example the row links ({}): \
                 link one that uses it, make the name a link to its docs, or drop it",
                index + 1,
                claim.span,
                names.join(", ")
            ));
        }
    }
    problems
}

/// Each name a seed-map note gives that its example's code doesn't have,
/// a line each.
pub(super) fn notes(mappings: &[Mapping], examples: &Examples) -> Vec<String> {
    let mut problems = Vec::new();
    for mapping in mappings {
        let key = format!("{}/{}", mapping.section, mapping.example);
        let Some(code) = examples.get(&key) else {
            continue;
        };
        for Claim { span, identifier } in claims(&mapping.note) {
            if has(code, identifier) {
                continue;
            }
            problems.push(format!(
                "docs/seed-map.tsv:{}: the note on {} ({key}) names `{span}`, which is not in \
                 the example's code: say what the guide got wrong and let the example say how \
                 it does it (a name of the guide's is written \"the guide's `{span}`\")",
                mapping.line,
                mapping.block
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identifier_is_a_name_or_path_maybe_called() {
        use Identifier::{Function, Type};
        let cases = [
            ("OnceCell", Some(Type("OnceCell"))),
            ("notify_one", Some(Function("notify_one"))),
            ("Semaphore::acquire_owned", Some(Function("acquire_owned"))),
            ("tokio::sync::Mutex", Some(Type("Mutex"))),
            ("recv()", Some(Function("recv"))),
            ("notified().await", Some(Function("notified"))),
            ("join!", Some(Function("join"))),
            ("__aexit__", Some(Function("__aexit__"))),
            ("HALF_OPEN", None),
            ("T", None),
            ("queue.join()", None),
            ("handle.await", None),
            ("timeout(d, rx.recv())", None),
            ("Result<T, JoinError>", None),
            ("buffered(5)", None),
            ("fn main", None),
            ("--cfg tokio_unstable", None),
            ("'static", None),
            ("::std", None),
            ("", None),
        ];
        for (span, expected) in cases {
            assert_eq!(Identifier::parse(span), expected, "{span}");
        }
    }

    fn examples() -> Examples {
        Examples::from([
            (
                "real-world/api_handler".to_owned(),
                Code::of("use futures ::future ::Shared ;let handle =tokio ::spawn (x );"),
            ),
            (
                "synchronization/condition_queue".to_owned(),
                Code::of("notify .notify_waiters ();notified .as_mut ().enable ();"),
            ),
        ])
    }

    #[test]
    fn a_cell_that_names_what_its_example_lacks_is_reported() {
        let page_text = "\
| asyncio | Rust | The difference | Example |
| --- | --- | --- | --- |
| `asyncio.Condition` | `notify_one()` and `Notified::enable`, or [`notify_all`](https://docs.rs/tokio) | Not `OnceCell`. | [condition_queue](synchronization/condition_queue.md) |
| `dict` | a `OnceCell`, `Shared`, a `JoinHandle` and `rayon` | | [api_handler](real-world/api_handler.md#anchor) |
| `x` | `Unlinked` | | [topic](topics/cancellation.md) |

| Guide, heading | What Python does | What the Rust does |
| --- | --- | --- |
| *A guide* | `handle_request` misses the cache | Fixed: `handle_request` and a `OnceCell`. [api_handler](real-world/api_handler.md) |
";
        assert_eq!(
            page("page.md", page_text, &examples()),
            [
                "docs/src/page.md:3: `notify_one()` is in the code of no example the row links \
                 (synchronization/condition_queue): link one that uses it, make the name a link \
                 to its docs, or drop it",
                "docs/src/page.md:4: `OnceCell` is in the code of no example the row links \
                 (real-world/api_handler): link one that uses it, make the name a link to its \
                 docs, or drop it",
                "docs/src/page.md:4: `rayon` is in the code of no example the row links \
                 (real-world/api_handler): link one that uses it, make the name a link to its \
                 docs, or drop it",
                "docs/src/page.md:9: `OnceCell` is in the code of no example the row links \
                 (real-world/api_handler): link one that uses it, make the name a link to its \
                 docs, or drop it",
            ]
        );
    }

    #[test]
    fn a_note_may_quote_the_guide() {
        let mapping = |note: &str| Mapping {
            line: 7,
            block: "004/29".to_owned(),
            section: "real-world".to_owned(),
            example: "api_handler".to_owned(),
            note: note.to_owned(),
        };
        let mappings = [
            mapping("The guide's `handle_request`, `cache` and `req4`; Python's `dict`; `Shared`."),
            mapping("A `OnceCell` per cache entry, and `JoinHandle`s; `handle_request`."),
        ];
        let problem = |span: &str| {
            format!(
                "docs/seed-map.tsv:7: the note on 004/29 (real-world/api_handler) names `{span}`, \
                 which is not in the example's code: say what the guide got wrong and let the \
                 example say how it does it (a name of the guide's is written \"the guide's \
                 `{span}`\")"
            )
        };
        assert_eq!(
            notes(&mappings, &examples()),
            [problem("OnceCell"), problem("handle_request")]
        );
    }

    #[test]
    fn a_table_cell_keeps_its_escaped_pipes() {
        assert_eq!(
            cells("| `async \\|x\\| y` | b |c|"),
            ["`async \\|x\\| y`", "b", "c"]
        );
    }
}
